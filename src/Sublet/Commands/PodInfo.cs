using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>What <c>ps -o json</c> and <c>inspect</c> show of a pod: stable field names for scripts.</summary>
internal sealed record PodInfo(
    string Id, string Name, string Namespace, string Uid, string State, DateTimeOffset Created, string? Reason,
    string QosClass, UserNamespaceInfo UserNamespace, int? PausePid, IReadOnlyList<ContainerInfo> Containers, string Owner = "play")
{
    /// <summary>status.podIPs: the pod's addresses on its network, IPv4 first; empty without one.</summary>
    public IReadOnlyList<string> PodIps { get; init; } = [];

    /// <summary>A sandbox a CRI client (the kubelet, crictl) made: shown beside play's pods, marked as such (issue 20 item 9).</summary>
    public static PodInfo FromCri(Sublet.Runtime.Sandboxes.SandboxView view, IEnumerable<Sublet.Runtime.Sandboxes.ContainerView> containers)
    {
        var c = view.Entry.Config;
        return new(view.Entry.Id, c.Name, c.Namespace, c.Uid, view.State.ToString(), view.Entry.Created, null, "",
            view.Entry.Ids is { } ids ? new(false, ids.Start, ids.Length, $"0 {ids.Start} {ids.Length}") : new(true, null, null, "0 0 4294967295"),
            view.Entry.PausePid, [.. containers.Select(ContainerInfo.FromCri)], "cri") { PodIps = view.Ips };
    }

    public static PodInfo From(PodView view, IReadOnlyList<string> podIps) => new(
        view.Pod.Id, view.Pod.Name, view.Pod.Namespace, view.Pod.Uid, view.Pod.State.ToString(), view.Pod.Created, view.Pod.Reason,
        view.Plan.QosClass, // status.qosClass (pkg/apis/core/v1/helper/qos GetPodQOS), computed when the manifest was translated
        UserNamespaceInfo.From(view.Pod),
        view.Pod.PausePid,
        view.Containers.Select(ContainerInfo.From).ToList()) { PodIps = podIps };
}

internal sealed record UserNamespaceInfo(bool HostUsers, long? HostIdStart, long? Length, string UidMap)
{
    public static UserNamespaceInfo From(PodRecord pod) => pod.Ids is { } ids
        ? new(false, ids.Start, ids.Length, $"0 {ids.Start} {ids.Length}")
        : new(true, null, null, "0 0 4294967295");

    [System.Text.Json.Serialization.JsonIgnore]
    public string Display => HostUsers ? "host" : $"{HostIdStart}-{HostIdStart + Length - 1}";
}

internal sealed partial record ContainerInfo(string Id, string Name, string Image, string? ImageId, string State, int? Pid,
    DateTimeOffset? Started, DateTimeOffset? Finished, int? ExitCode, string? Reason, string? Message, int RestartCount,
    DateTimeOffset? NextStart, LastStateInfo? LastState)
{
    /// <summary>The kubelet's waiting reason for a container in back-off; <c>message</c> is state.terminated.message (the termination message).</summary>
    public static ContainerInfo From(ContainerRecord c) => new(c.Id, c.Name, c.Image, c.ImageId,
        c.State == ContainerState.Waiting ? "CrashLoopBackOff" : c.State.ToString(),
        c.State == ContainerState.Running ? c.Pid : null, c.Started, c.Finished, c.ExitCode, c.Reason, c.Message, c.RestartCount,
        c.State == ContainerState.Waiting ? c.NextStart : null,
        c.LastExitCode is { } code ? new LastStateInfo(code, c.LastReason, c.LastFinished, c.LastMessage) : null);
}

internal sealed partial record ContainerInfo
{
    public static ContainerInfo FromCri(Sublet.Runtime.Sandboxes.ContainerView v) => new(v.Entry.Id, v.Entry.Config.Name, v.Entry.Config.Image, v.Entry.ImageId,
        v.State.ToString(), v.State == Sublet.Runtime.Sandboxes.CtrState.Running ? v.Entry.Pid : null, v.Entry.Started, v.Finished, v.ExitCode,
        v.Reason.Length > 0 ? v.Reason : null, v.Message.Length > 0 ? v.Message : null, (int)v.Entry.Config.Attempt, null, null);
}

/// <summary>How the previous run of a restarted container ended (status.containerStatuses[].lastState.terminated).</summary>
internal sealed record LastStateInfo(int ExitCode, string? Reason, DateTimeOffset? Finished, string? Message);
