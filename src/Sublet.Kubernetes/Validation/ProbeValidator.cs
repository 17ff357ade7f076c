using k8s.Models;

namespace Sublet.Kubernetes.Validation;

internal enum ProbeKind { Liveness, Readiness, Startup }

/// <summary>validateProbe, validateHandler and validateLifecycle of pkg/apis/core/validation/validation.go.</summary>
internal static class ProbeValidator
{
    public static void Validate(V1Probe? probe, string path, ProbeKind kind, long gracePeriod, FieldErrors errors)
    {
        if (probe is null) return;
        Handler(path, gracePeriod, errors, ("exec", probe.Exec), ("httpGet", probe.HttpGet), ("tcpSocket", probe.TcpSocket), ("grpc", probe.Grpc));
        NonNegative(probe.InitialDelaySeconds, $"{path}.initialDelaySeconds", errors);
        NonNegative(probe.TimeoutSeconds, $"{path}.timeoutSeconds", errors);
        NonNegative(probe.PeriodSeconds, $"{path}.periodSeconds", errors);
        NonNegative(probe.SuccessThreshold, $"{path}.successThreshold", errors);
        NonNegative(probe.FailureThreshold, $"{path}.failureThreshold", errors);
        if (probe.TerminationGracePeriodSeconds is { } tgps && tgps <= 0)
            errors.Invalid($"{path}.terminationGracePeriodSeconds", tgps, "must be greater than 0");
        // SetDefaults_Probe makes an unset successThreshold 1.
        if (kind != ProbeKind.Readiness && probe.SuccessThreshold is { } st && st != 1)
            errors.Invalid($"{path}.successThreshold", st, "must be 1");
        if (kind == ProbeKind.Readiness && probe.TerminationGracePeriodSeconds is { } readiness)
            errors.Invalid($"{path}.terminationGracePeriodSeconds", readiness, "must not be set for readinessProbes");
    }

    public static void Lifecycle(V1Lifecycle? lifecycle, string path, long gracePeriod, FieldErrors errors)
    {
        if (lifecycle is null) return;
        if (lifecycle.PostStart is { } post) Handler($"{path}.postStart", gracePeriod, errors, ("exec", post.Exec), ("httpGet", post.HttpGet), ("tcpSocket", post.TcpSocket), ("sleep", post.Sleep));
        if (lifecycle.PreStop is { } pre) Handler($"{path}.preStop", gracePeriod, errors, ("exec", pre.Exec), ("httpGet", pre.HttpGet), ("tcpSocket", pre.TcpSocket), ("sleep", pre.Sleep));
        // lifecycle.stopSignal belongs to the ContainerStopSignals alpha gate (off): the API server drops it unvalidated.
    }

    /// <summary>Exactly one handler: none is Required at the probe, a second Forbidden at its own field.</summary>
    private static void Handler(string path, long gracePeriod, FieldErrors errors, params (string Field, object? Action)[] actions) =>
        errors.ExactlyOne(path, "handler type", actions, (at, action) =>
        {
            switch (action)
            {
                case V1ExecAction exec when exec.Command is not { Count: > 0 }:
                    errors.Required($"{at}.command");
                    break;
                case V1HTTPGetAction http:
                    Port(http.Port, $"{at}.port", errors);
                    if (http.Scheme is { } scheme && scheme is not ("HTTP" or "HTTPS")) errors.NotSupported($"{at}.scheme", scheme, "HTTP", "HTTPS");
                    foreach (var header in http.HttpHeaders ?? []) errors.Each($"{at}.httpHeaders", header.Name ?? "", Names.HttpHeaderName(header.Name ?? ""));
                    break;
                case V1TCPSocketAction tcp:
                    Port(tcp.Port, $"{at}.port", errors);
                    break;
                case V1GRPCAction grpc:
                    errors.Each($"{at}.port", grpc.Port, Names.PortNumber(grpc.Port));
                    break;
                // validateSleepAction with PodLifecycleSleepActionAllowZero (GA): 0 up to the grace period, reported at "sleep".
                case V1SleepAction sleep when sleep.Seconds < 0 || sleep.Seconds > gracePeriod:
                    errors.Invalid(at, sleep.Seconds, $"must be non-negative and less than terminationGracePeriodSeconds ({gracePeriod})");
                    break;
            }
        });

    /// <summary>ValidatePortNumOrName.</summary>
    private static void Port(IntOrString? port, string path, FieldErrors errors)
    {
        var text = port?.Value ?? "";
        if (int.TryParse(text, out var number)) errors.Each(path, number, Names.PortNumber(number));
        else if (text.Length == 0) errors.Required(path);
        else errors.Each(path, text, Names.PortName(text));
    }

    private static void NonNegative(int? value, string path, FieldErrors errors)
    {
        if (value is < 0) errors.Invalid(path, value, "must be greater than or equal to 0");
    }
}
