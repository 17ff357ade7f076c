using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    private static readonly UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;

    /// <summary>
    /// Records the sandbox (its range checked against every other in the same transaction), then
    /// starts its pause process and writes its /etc files. A failure removes all of it.
    /// </summary>
    public SandboxEntry RunSandbox(SandboxConfig config) => RunSandbox(config, allocate: null);

    /// <summary>
    /// <see cref="RunSandbox(SandboxConfig)"/> for <c>play</c>: a user namespace whose range
    /// <paramref name="allocate"/> chooses from the recorded ones in the recording transaction (the
    /// pool, as a kubelet's allocator chooses before RunPodSandbox), and the <paramref name="id"/>
    /// (<see cref="NewId"/>) play recorded its pod under before, so a start killed midway leaves a pod to remove.
    /// </summary>
    public SandboxEntry RunSandbox(SandboxConfig config, Func<IReadOnlyList<Sublet.IdMapping.IdRange>, Sublet.IdMapping.IdRange>? allocate, string? id = null)
    {
        if (config.UserNamespace is not null || allocate is not null)
        {
            Directories.RequireSearchableParents(_ctx.Config.RunRoot);
            _ctx.RootfsPlanner.Check(userNamespace: true);
        }
        if (config.UserNamespace is { } wanted)
        {
            RefuseRangeHeldOnHost(wanted, self: null);
        }
        id ??= NewId();
        SandboxEntry entry;
        using (var store = OpenStore())
        {
            entry = store.CreateSandbox(new SandboxEntry { Id = id, Config = config, BootId = _ctx.Proc.BootId() }, allocate);
        }
        try
        {
            if (allocate is not null)
            {
                RefuseRangeHeldOnHost(entry.Ids!.Value, self: id);
            }
            using var held = Lock(id);
            entry = StartPause(entry);
            WriteEtcFiles(entry);
            return entry;
        }
        catch (Exception startError)
        {
            try
            {
                RemoveSandbox(id);
            }
            catch (Exception cleanupError)
            {
                throw new RuntimeError(ErrorKind.Internal, $"{startError.Message}; removing sandbox {id} afterwards also failed: {cleanupError.Message}", startError);
            }
            throw;
        }
    }

    /// <summary>
    /// A range a live user namespace outside this store maps (another runtime, a second state root,
    /// a process started by hand) is refused, naming the holder (issue 24 item 3): the pod would share
    /// host IDs with it. Namespaces inside ranges this store holds are its own pods' (or nested in them).
    /// </summary>
    /// <param name="self">The sandbox already recorded with <paramref name="wanted"/>: its own range is not one of "ours" here.</param>
    private void RefuseRangeHeldOnHost(Sublet.IdMapping.IdRange wanted, string? self)
    {
        using var store = OpenStore();
        var ours = store.Allocations().Where(a => a.PodId != self).Select(a => a.Range).ToList();
        var held = new Audit.LiveIdAudit(_ctx).LiveRanges(OwnNamespaces(store.Pauses())).Where(l => !ours.Any(o => o.Start <= l.Range.Start && l.Range.End <= o.End)).ToList();
        if (held.FirstOrDefault(l => l.Range.Overlaps(wanted)) is ({ } range, { } holder))
        {
            throw new RuntimeError(ErrorKind.FailedPrecondition,
                $"user namespace host IDs {wanted.Start}-{wanted.End - 1} overlap {range.Start}-{range.End - 1}, which {holder} maps: a pod must share its host IDs with nothing else on the host")
            { Reason = "range_in_use_on_host", HeldOnHost = held };
        }
    }

    /// <summary>
    /// The user namespaces of this store's live pauses: their maps are the recorded ranges, which
    /// count as ours, so reading them could refuse nothing. The link is read before the start time
    /// is checked, so a PID reused meanwhile by another process is not taken for the pause.
    /// </summary>
    private HashSet<string> OwnNamespaces(IReadOnlyList<(string Id, int Pid, ulong StartTime)> pauses)
    {
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, pid, startTime) in pauses)
        {
            if (_ctx.Proc.UserNamespace(pid) is { } ns && _ctx.Proc.IsAlive(pid, startTime))
            {
                namespaces.Add(ns);
            }
        }
        return namespaces;
    }

    private SandboxEntry StartPause(SandboxEntry entry)
    {
        var paths = Paths(entry.Id);
        Directories.Searchable(_ctx.Config.RunRoot);
        Directories.Searchable(Path.GetDirectoryName(paths.RunDir)!);
        // runc reaches the rootfs from inside the user namespace (runtime-anchors.md §7.6).
        Directories.PodOnly(paths.RunDir, entry.Ids);
        PodStateMount.Ensure(_ctx.Mounter, _ctx.Config.StateRoot);
        Directories.Private(paths.StateDir);
        var rootfs = PauseRootfs.Ensure(_ctx.Config.RunRoot, _ctx.Config.PauseBinary);
        Directory.CreateDirectory(paths.SandboxBundle);
        Directory.CreateDirectory(paths.SandboxStateDir);
        if (entry.Config.LogDirectory is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
        }
        if (entry.Config.PodCgroup is { } podCgroup && entry.Config.CgroupParent is not { Length: > 0 })
        {
            PodCgroups.Configure(entry.Id, podCgroup); // before anything joins it, as the kubelet's pod container manager
        }
        var pinned = SetUpNetwork(entry);
        SpecFile.Write(paths.SandboxBundle, CoreSpecs.Sandbox(entry.Id, entry.Config, rootfs, pinned));
        var pid = _ctx.Conmon.Create(entry.Id, entry.Config.Name, _ctx.Oci,
            ConmonPaths(paths.SandboxBundle, paths.SandboxStateDir, Path.Combine(paths.SandboxStateDir, "0.log")), exitHook: null, CreateTimeout);
        _ctx.Oci.Start(entry.Id);
        entry = entry with { PausePid = pid, PauseStartTime = _ctx.Proc.StartTime(pid) };
        using var store = OpenStore();
        store.UpdateSandbox(entry);
        return entry;
    }

    /// <summary>
    /// /etc/hostname, /etc/resolv.conf and /etc/hosts for containers that get none from the
    /// client (containerd setupSandboxFiles), in the sandbox's state directory, which only host
    /// root may enter; each container binds an idmapped clone of its own when the pod has a user namespace.
    /// </summary>
    private void WriteEtcFiles(SandboxEntry entry)
    {
        var dns = entry.Config.Dns;
        var hostname = entry.Config.Hostname.Length > 0 ? entry.Config.Hostname : Environment.MachineName;
        var contents = new Dictionary<string, string>
        {
            ["hostname"] = hostname + "\n",
            ["resolv.conf"] = dns.IsEmpty ? HostResolvConf() : ResolvConf(dns),
            ["hosts"] = EtcContent.Hosts(Ips(entry.Id) is { Count: > 0 } ips ? ips : EtcContent.PodIps, hostname, "", []),
        };
        foreach (var (name, content) in contents)
        {
            PodFiles.Write(EtcFile(entry, name), content, Mode0644);
        }
    }

    /// <summary>The file a container binds for <paramref name="name"/> (hosts, hostname, resolv.conf).</summary>
    private string EtcFile(SandboxEntry entry, string name) => Path.Combine(Paths(entry.Id).StateDir, "etc", name);

    /// <summary>resolv.conf from CRI DNSConfig: nameserver lines, one search line, one options line.</summary>
    public static string ResolvConf(DnsSettings dns)
    {
        var text = string.Concat(dns.Servers.Select(s => $"nameserver {s}\n"));
        if (dns.Searches.Count > 0)
        {
            text += $"search {string.Join(' ', dns.Searches)}\n";
        }
        if (dns.Options.Count > 0)
        {
            text += $"options {string.Join(' ', dns.Options)}\n";
        }
        return text;
    }

    private string HostResolvConf() =>
        _ctx.Config.ResolvConf is { Length: > 0 } path && File.Exists(path) ? File.ReadAllText(path) : "";

    public SandboxView SandboxStatus(string id)
    {
        using var store = OpenStore();
        return View(store.FindSandbox(id) ?? throw RuntimeError.NotFound($"sandbox \"{id}\" not found"));
    }

    public IReadOnlyList<Audit.IdFinding> AuditSandbox(string id)
    {
        var entry = SandboxStatus(id).Entry;
        // The audit names a CRI pod as ids --verify does: "namespace/name (cri)".
        var name = $"{entry.Config.Namespace}/{entry.Config.Name} (cri)";
        return [.. new Audit.LiveIdAudit(_ctx).Run().Findings.Where(f => f.Pod == name)];
    }

    public IReadOnlyList<SandboxView> ListSandboxes(Owner owner)
    {
        using var store = OpenStore();
        return [.. store.Sandboxes(owner).Select(View)];
    }

    public IReadOnlyList<string> SandboxIds(Owner owner, string prefix, int limit)
    {
        using var store = OpenStore();
        return store.SandboxIds(owner, prefix, limit);
    }

    /// <summary>Ready while recorded so and its pause process (same PID, same start time) lives.</summary>
    private SandboxView View(SandboxEntry entry) =>
        new(entry, entry.State == SandboxState.Ready && entry.PausePid is { } pid && _ctx.Proc.IsAlive(pid, entry.PauseStartTime) && !_ctx.Proc.IsZombie(pid)
            ? SandboxState.Ready : SandboxState.NotReady)
        { Ips = Ips(entry.Id) };
}
