namespace Sublet.Runtime.Sandboxes;

/// <summary>What a sandbox's status call reports: the record and whether its pause process still holds the namespaces.</summary>
public sealed record SandboxView(SandboxEntry Entry, SandboxState State)
{
    /// <summary>The pod's addresses on its network (eth0), IPv4 first; none without a pod network.</summary>
    public IReadOnlyList<string> Ips { get; init; } = [];
}

/// <summary>The output of a command run to completion in a container (CRI ExecSync).</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// The runtime in CRI's shape (issue 20 item 1): sandboxes and the containers in them, each
/// operation taking final values. <c>serve</c> maps CRI requests onto it; errors are
/// <see cref="RuntimeError"/> by kind. Operations on something already gone succeed where CRI
/// asks for idempotence (stop, remove).
/// </summary>
public interface ISandboxRuntime
{
    SandboxEntry RunSandbox(SandboxConfig config);

    /// <summary>Whether sandboxes get a pod network now (CRI NetworkReady), with the reason when not.</summary>
    Network.NetworkReadiness NetworkReadiness();
    void StopSandbox(string id);
    void RemoveSandbox(string id);
    SandboxView SandboxStatus(string id);
    IReadOnlyList<SandboxView> ListSandboxes(Owner owner);

    /// <summary>IDs of <paramref name="owner"/>'s sandboxes that start with <paramref name="prefix"/>, at most <paramref name="limit"/>; no status is read.</summary>
    IReadOnlyList<string> SandboxIds(Owner owner, string prefix, int limit);

    /// <summary>The live ID audit's findings for one sandbox (<c>sublet ids --verify</c>, issue 24 item 2); empty when healthy.</summary>
    IReadOnlyList<Audit.IdFinding> AuditSandbox(string id);

    ContainerEntry CreateContainer(string sandboxId, ContainerConfig config, CreateOptions? options = null);
    void StartContainer(string id);
    void StopContainer(string id, TimeSpan timeout);
    void RemoveContainer(string id);
    ContainerView ContainerStatus(string id);
    IReadOnlyList<ContainerView> ListContainers(Owner owner);

    /// <summary>The containers recorded in sandbox <paramref name="sandboxId"/>, as <see cref="ListContainers"/> shows them; none when it is gone.</summary>
    IReadOnlyList<ContainerView> ContainersOf(string sandboxId);

    /// <summary>IDs of the containers in <paramref name="owner"/>'s sandboxes that start with <paramref name="prefix"/>, at most <paramref name="limit"/>; no status is read.</summary>
    IReadOnlyList<string> ContainerIds(Owner owner, string prefix, int limit);

    /// <summary>Runs a command in a running container (runc exec); <paramref name="workingDir"/> overrides the container's (runc exec --cwd; selftest's CVE-2024-21626 probe).</summary>
    ExecResult ExecSync(string id, IReadOnlyList<string> command, TimeSpan timeout, string? workingDir = null);
    void ReopenLog(string id);
    void UpdateResources(string id, LinuxResources resources);

    /// <summary>The container's cgroup usage and writable layer now.</summary>
    ContainerUsage ContainerStats(string id);

    /// <summary>The pod cgroup's usage and each container's.</summary>
    SandboxUsage SandboxStats(string id);

    /// <summary>The sandbox's network counters and its containers' cgroup counters (CRI ListPodSandboxMetrics).</summary>
    SandboxReading SandboxMetrics(string id);

    /// <summary>Starts a command in a running container for a streaming client (CRI Exec); <paramref name="tty"/> gives it a terminal.</summary>
    IStdioSession StartExec(string id, IReadOnlyList<string> command, bool tty);

    /// <summary>Joins a running container's main process (CRI Attach): its output, and its stdin when it was created with one.</summary>
    IStdioSession Attach(string id);

    /// <summary>A TCP connection to a port on a ready sandbox's loopback, made from inside its network namespace (CRI PortForward).</summary>
    Task<System.Net.Sockets.Socket> ConnectInSandbox(string sandboxId, int port, CancellationToken cancel);
}
