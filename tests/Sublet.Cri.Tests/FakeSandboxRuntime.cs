using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;
using CoreConfig = Sublet.Runtime.Sandboxes.ContainerConfig;
using CoreSandbox = Sublet.Runtime.Sandboxes.SandboxConfig;

namespace Sublet.Cri.Tests;

/// <summary>The runtime core in memory, recording every call, so the CRI handlers' mapping is tested without a node.</summary>
internal sealed class FakeSandboxRuntime : ISandboxRuntime
{
    private int _next;

    public List<string> Calls { get; } = [];
    public Dictionary<string, SandboxView> Sandboxes { get; } = [];
    public Dictionary<string, ContainerView> Containers { get; } = [];

    public SandboxEntry RunSandbox(CoreSandbox config)
    {
        Calls.Add($"run {config.Name}");
        var entry = new SandboxEntry { Id = NextId("s"), Config = config, Created = DateTimeOffset.UnixEpoch.AddSeconds(1) };
        Sandboxes[entry.Id] = new SandboxView(entry, SandboxState.Ready);
        return entry;
    }

    public void StopSandbox(string id)
    {
        Calls.Add($"stopp {id}");
        if (Sandboxes.TryGetValue(id, out var view))
        {
            Sandboxes[id] = view with { State = SandboxState.NotReady };
        }
    }

    public void RemoveSandbox(string id)
    {
        Calls.Add($"rmp {id}");
        Sandboxes.Remove(id);
    }

    public Sublet.Runtime.Network.NetworkReadiness Readiness { get; set; } = new(true, "", "");

    public Sublet.Runtime.Network.NetworkReadiness NetworkReadiness() => Readiness;

    /// <summary>What <see cref="AuditSandbox"/> answers, per sandbox.</summary>
    public Dictionary<string, IReadOnlyList<Sublet.Runtime.Audit.IdFinding>> Findings { get; } = [];

    public IReadOnlyList<Sublet.Runtime.Audit.IdFinding> AuditSandbox(string id) => Findings.GetValueOrDefault(id) ?? [];

    public SandboxView SandboxStatus(string id) => Sandboxes.TryGetValue(id, out var v) ? v : throw RuntimeError.NotFound($"sandbox \"{id}\" not found");

    public IReadOnlyList<SandboxView> ListSandboxes(Owner owner) => [.. Sandboxes.Values.Where(v => v.Entry.Config.Owner == owner)];

    public IReadOnlyList<string> SandboxIds(Owner owner, string prefix, int limit) =>
        [.. ListSandboxes(owner).Select(v => v.Entry.Id).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(limit)];

    public ContainerEntry CreateContainer(string sandboxId, CoreConfig config, CreateOptions? options = null)
    {
        Calls.Add($"create {config.Name}");
        var entry = new ContainerEntry
        {
            Id = NextId("c"), SandboxId = sandboxId, Config = config, ImageId = "sha256:" + new string('1', 64), ImageRef = config.Image,
            LogPath = config.LogPath ?? "/var/lib/sublet/x.log", Created = DateTimeOffset.UnixEpoch.AddSeconds(2),
        };
        Containers[entry.Id] = new ContainerView(entry, CtrState.Created, null, null, "", "");
        return entry;
    }

    public void StartContainer(string id)
    {
        Calls.Add($"start {id}");
        Containers[id] = Containers[id] with { State = CtrState.Running };
    }

    public void StopContainer(string id, TimeSpan timeout) => Calls.Add($"stop {id} {timeout.TotalSeconds}");

    public void RemoveContainer(string id)
    {
        Calls.Add($"rm {id}");
        Containers.Remove(id);
    }

    public ContainerView ContainerStatus(string id) => Containers.TryGetValue(id, out var v) ? v : throw RuntimeError.NotFound($"container \"{id}\" not found");

    public IReadOnlyList<ContainerView> ListContainers(Owner owner) =>
        [.. Containers.Values.Where(c => Sandboxes.TryGetValue(c.Entry.SandboxId, out var s) && s.Entry.Config.Owner == owner)];

    public IReadOnlyList<ContainerView> ContainersOf(string sandboxId) => [.. Containers.Values.Where(c => c.Entry.SandboxId == sandboxId)];

    public IReadOnlyList<string> ContainerIds(Owner owner, string prefix, int limit) =>
        [.. ListContainers(owner).Select(v => v.Entry.Id).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(limit)];

    public ExecResult ExecSync(string id, IReadOnlyList<string> command, TimeSpan timeout, string? workingDir = null)
    {
        Calls.Add($"exec {id} {string.Join(' ', command)} {timeout.TotalSeconds}");
        return new ExecResult(3, "out", "err");
    }

    public void ReopenLog(string id) => Calls.Add($"reopen {id}");

    /// <summary>The session the next StartExec or Attach returns (a fresh echo session when null).</summary>
    public FakeStdioSession? NextSession { get; set; }

    public IStdioSession StartExec(string id, IReadOnlyList<string> command, bool tty)
    {
        Calls.Add($"exec-stream {id} {string.Join(' ', command)} tty={tty}");
        return NextSession ?? new FakeStdioSession();
    }

    /// <summary>Where ConnectInSandbox connects, whatever the sandbox (a listener of the test's); null = refused.</summary>
    public System.Net.IPEndPoint? PodEndpoint { get; set; }

    public async Task<System.Net.Sockets.Socket> ConnectInSandbox(string sandboxId, int port, CancellationToken cancel)
    {
        lock (Calls)
        {
            Calls.Add($"connect {sandboxId} {port}");
        }
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(PodEndpoint ?? throw RuntimeError.NotFound($"nothing listens on port {port}"), cancel);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IStdioSession Attach(string id)
    {
        Calls.Add($"attach {id}");
        return NextSession ?? new FakeStdioSession();
    }

    public void UpdateResources(string id, LinuxResources resources) => Calls.Add($"update {id} {resources.MemoryLimitBytes}");

    public ContainerUsage ContainerStats(string id) =>
        new(ContainerStatus(id).Entry, new CgroupUsage(DateTimeOffset.UnixEpoch.AddSeconds(10), 2_000_000_000, new Sublet.Linux.CgroupMemory(300, 200, null)), 4096, 3, "/var");

    public SandboxUsage SandboxStats(string id) =>
        new(SandboxStatus(id).Entry, new CgroupUsage(DateTimeOffset.UnixEpoch.AddSeconds(10), 5_000_000_000, new Sublet.Linux.CgroupMemory(900, 800, 1000)),
            [.. Containers.Values.Where(c => c.Entry.SandboxId == id).Select(c => ContainerStats(c.Entry.Id))]);

    /// <summary>What SandboxMetrics reads for each container (by ID); a container without an entry has no cgroup.</summary>
    public Dictionary<string, Sublet.Linux.CgroupCounters> Counters { get; } = [];

    public IReadOnlyList<Sublet.Linux.Processes.LinkCounters> Links { get; set; } = [];

    public SandboxReading SandboxMetrics(string id) =>
        new(SandboxStatus(id).Entry, DateTimeOffset.UnixEpoch.AddSeconds(20), Links,
            [.. Containers.Values.Where(c => c.Entry.SandboxId == id).Select(c => new ContainerReading(c.Entry, Counters.GetValueOrDefault(c.Entry.Id)))]);

    private string NextId(string prefix) => prefix + (++_next).ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + new string('0', 60);
}
