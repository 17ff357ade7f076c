using System.Diagnostics.Metrics;

namespace Sublet.Cri.Metrics;

/// <summary>
/// What <c>serve</c> measures, as System.Diagnostics.Metrics instruments (in the BCL, AOT-safe):
/// per CRI method the calls, errors by gRPC code and latency (CRI-O's operations_total,
/// operations_errors_total and latency, containerd's per-operation timers), and what no other
/// runtime reports: pods started with and without a user namespace (the kubelet's
/// started_user_namespaced_pods_total, seen from the runtime) and user-namespace refusals by reason.
/// </summary>
public sealed class CriMetrics : IDisposable
{
    public const string MeterName = "Sublet.Cri";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _operations;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _podsStarted;
    private readonly Counter<long> _usernsRefusals;

    public CriMetrics()
    {
        _operations = _meter.CreateCounter<long>("sublet_cri_operations_total", description: "CRI calls served, by method");
        _errors = _meter.CreateCounter<long>("sublet_cri_operation_errors_total", description: "CRI calls that failed, by method and gRPC code");
        _latency = _meter.CreateHistogram<double>("sublet_cri_operation_duration_seconds", unit: "s", description: "Time to serve a CRI call, by method");
        _podsStarted = _meter.CreateCounter<long>("sublet_pods_started_total", description: "Pod sandboxes started, by whether they have their own user namespace");
        _usernsRefusals = _meter.CreateCounter<long>("sublet_userns_refusals_total", description: "Sandboxes or containers refused over their user namespace settings, by reason");
    }

    /// <summary>One finished call: <paramref name="code"/> is the gRPC status code's name, "OK" for success.</summary>
    public void Call(string method, string code, TimeSpan elapsed)
    {
        var m = new KeyValuePair<string, object?>("method", method);
        _operations.Add(1, m);
        _latency.Record(elapsed.TotalSeconds, m);
        if (code != "OK")
        {
            _errors.Add(1, m, new KeyValuePair<string, object?>("code", code));
        }
    }

    public void PodStarted(bool userNamespace) =>
        _podsStarted.Add(1, new KeyValuePair<string, object?>("user_namespace", userNamespace ? "true" : "false"));

    public void UsernsRefused(string reason) => _usernsRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}
