using System.Diagnostics;
using System.Text.Json;

namespace Sublet.Integration.Tests;

/// <summary>Output of one <c>sublet</c> run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// A private Sublet installation for one test: its own state and run roots and config file under
/// a temp dir, driven through the real <c>sublet</c> binary as a user would. Dispose removes
/// every pod, mount, runc container and file it made, also when the test failed.
/// </summary>
public sealed class SubletEnv : IDisposable
{
    /// <param name="podNetwork">
    /// Pods get a CNI network (Sublet's default bridge): Sublet then runs inside a network
    /// namespace this environment makes (<see cref="NetnsName"/>), so its bridge, addresses and
    /// iptables rules exist only there. Otherwise pods get loopback only (network.mode none).
    /// </param>
    /// <param name="network">More keys of the <c>network</c> section, one a line.</param>
    public SubletEnv(string? extraConfig = null, bool podNetwork = false, string? network = null)
    {
        Prerequisites.Check();
        Root = Directory.CreateTempSubdirectory("sublet-it-").FullName;
        // runc reaches the rootfs from inside the pod's user namespace: every parent needs o+x.
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_001_001);
        StateRoot = Path.Combine(Root, "state");
        RunRoot = Path.Combine(Root, "run");
        ConfigPath = Path.Combine(Root, "config.yaml");
        // An empty subuid file keeps the kubelet's default pool, whatever this host's /etc/subuid says.
        File.WriteAllText(Path.Combine(Root, "subuid"), "");
        File.WriteAllText(Path.Combine(Root, "subgid"), "");
        if (podNetwork)
        {
            NetnsName = $"sublet-it-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
            Assert.True(Host.Run("ip", "netns", "add", NetnsName).ExitCode == 0, $"ip netns add {NetnsName} failed");
            Host.Run("ip", "-n", NetnsName, "link", "set", "lo", "up");
        }
        File.WriteAllText(ConfigPath, $"""
            stateRoot: {StateRoot}
            runRoot: {RunRoot}
            subUidPath: {Root}/subuid
            subGidPath: {Root}/subgid
            network:
              mode: {(podNetwork ? "cni" : "none")}
              confDir: {Root}/net.d
              bridge: sbt{NetnsName?[^8..] ?? "0"}
            {string.Join("\n", (network ?? "").Split('\n').Select(l => "  " + l))}
            {extraConfig ?? ""}
            """);
    }

    /// <summary>The network namespace Sublet runs in when pods get a network (see the constructor); null otherwise.</summary>
    public string? NetnsName { get; }

    /// <summary>Runs a host command in <see cref="NetnsName"/> (ip, iptables-save, busybox wget).</summary>
    public CliResult InNetns(params string[] command) => Host.Run("nsenter", [$"--net=/run/netns/{NetnsName}", "--", .. command]);

    public string Root { get; }
    public string StateRoot { get; }
    public string RunRoot { get; }
    public string ConfigPath { get; }
    public string RuncRoot => Path.Combine(RunRoot, "runc");

    /// <summary>
    /// A kubelet pool of <paramref name="slots"/> ranges at a random place far above the default
    /// (65536…), returning its first ID: pods of tests running beside this one live in the default
    /// pool, and play leaves ranges that live user namespaces hold alone (issue 24 item 3).
    /// </summary>
    public long UsePrivatePool(int slots)
    {
        var start = 65536L * (20000 + Random.Shared.Next(0, 40000));
        File.WriteAllText(Path.Combine(Root, "subuid"), $"kubelet:{start}:{slots * 65536L}\n");
        File.WriteAllText(Path.Combine(Root, "subgid"), $"kubelet:{start}:{slots * 65536L}\n");
        return start;
    }

    /// <summary>Adds settings to this environment's configuration file (for values that name paths under <see cref="Root"/>).</summary>
    public void Configure(string yaml) => File.AppendAllText(ConfigPath, "\n" + yaml + "\n");

    /// <summary>
    /// The <c>sublet</c> under test: <c>SUBLET_BINARY</c> when set (./test.sh points it at the Native
    /// AOT binary the launcher publishes, the one users run), else the JIT build beside the tests.
    /// </summary>
    public static string Binary => Environment.GetEnvironmentVariable("SUBLET_BINARY") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "sublet");

    public CliResult Run(params string[] args) => RunWithTimeout(TimeSpan.FromMinutes(3), args);

    public CliResult RunWithTimeout(TimeSpan timeout, params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sublet {string.Join(' ', args)} did not finish in {timeout}");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Where the sublet processes run; null = the test's own working directory.</summary>
    public string? WorkingDirectory { get; set; }

    public Process Start(params string[] args)
    {
        // nsenter, not `ip netns exec`: that one remounts /sys for the namespace, and the cgroup
        // mount below it (which runc needs) would be gone.
        var info = new ProcessStartInfo(NetnsName is null ? Binary : "nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? "",
        };
        if (NetnsName is not null)
        {
            foreach (var a in new[] { $"--net=/run/netns/{NetnsName}", "--", Binary })
            {
                info.ArgumentList.Add(a);
            }
        }
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(ConfigPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return Process.Start(info)!;
    }

    /// <summary>Runs and expects success.</summary>
    public CliResult Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"sublet {string.Join(' ', args)} failed: {result}");
        return result;
    }

    public string WriteManifest(string yaml, string name = "pod.yaml")
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Imports localhost/busybox:demo through <c>sublet image load</c>, the real path.</summary>
    public void LoadDemoImage() => Ok("image", "load", DemoImage.Layout);

    public JsonElement Json(params string[] args) => JsonDocument.Parse(Ok([.. args, "-o", "json"]).Stdout).RootElement.Clone();

    /// <summary>
    /// What a pod start could leave behind: mounts under our roots, runc containers, ID allocations,
    /// processes. Not the nosuid, nodev bind of the pods' state directory, which the first pod
    /// start makes for the node and keeps (PodStateMount).
    /// </summary>
    public Leftovers Leftovers()
    {
        var statePods = Path.Combine(StateRoot, "pods");
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m.StartsWith(Root, StringComparison.Ordinal) && !_ownMounts.Contains(m) && m != statePods).ToList();
        var containers = RuncList();
        var ids = Directory.Exists(StateRoot) ? Json("ids").EnumerateArray().Select(e => e.GetProperty("podId").GetString()!).ToList() : [];
        var pods = Directory.Exists(Path.Combine(RunRoot, "pods")) ? Directory.GetDirectories(Path.Combine(RunRoot, "pods")).ToList() : [];
        // Chown copies of image layers go with the last pod of their ID range.
        var copiesRoot = Path.Combine(StateRoot, "layer-copies");
        var copies = Directory.Exists(copiesRoot) ? Directory.GetDirectories(copiesRoot).Where(d => Path.GetFileName(d) != "tmp" || Directory.EnumerateFileSystemEntries(d).Any()).ToList() : [];
        return new Leftovers(mounts, containers, ids, pods, copies, NetworkLeftovers());
    }

    /// <summary>
    /// What a pod network could leave (issue 21 item 5): pinned namespaces, IPAM leases, and in
    /// <see cref="NetnsName"/> veths and the per-pod iptables chains of bridge (CNI-&lt;hash&gt;) and portmap (CNI-DN-&lt;hash&gt;).
    /// </summary>
    public List<string> NetworkLeftovers()
    {
        var left = new List<string>();
        var pins = Path.Combine(RunRoot, "netns");
        if (Directory.Exists(pins))
        {
            left.AddRange(Directory.GetFileSystemEntries(pins).Select(p => $"pinned {p}"));
        }
        var leases = Path.Combine(StateRoot, "cni", "networks");
        if (Directory.Exists(leases))
        {
            left.AddRange(Directory.GetFiles(leases, "*", SearchOption.AllDirectories)
                .Where(f => System.Net.IPAddress.TryParse(Path.GetFileName(f), out _)).Select(f => $"lease {f}"));
        }
        if (NetnsName is not null)
        {
            left.AddRange(InNetns("ip", "-o", "link", "show", "type", "veth").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => $"veth {l}"));
            left.AddRange(InNetns("iptables-save").Stdout.Split('\n')
                .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "CNI-DN-|CNI-[0-9a-f]{24}")).Select(l => $"iptables {l}"));
        }
        return left;
    }

    /// <summary>Fails with what was left, read once (a second reading for the message could differ from the one that failed).</summary>
    public void AssertNoLeftovers()
    {
        var left = Leftovers();
        Assert.True(left.IsEmpty, left.ToString());
    }

    private readonly HashSet<string> _ownMounts = [];

    /// <summary>
    /// Mounts a ramfs (which can't be idmapped) at <paramref name="path"/> under <see cref="Root"/>,
    /// for tests of what Sublet does on such filesystems. It is the test's, not a leftover; Dispose unmounts it.
    /// </summary>
    public void MountRamfs(string path)
    {
        Directory.CreateDirectory(path);
        var mount = Host.Run("mount", "-t", "ramfs", "-o", "mode=0755", "ramfs", path);
        Assert.True(mount.ExitCode == 0, $"mount ramfs on {path}: {mount}");
        _ownMounts.Add(path);
    }

    private List<string> RuncList()
    {
        if (!Directory.Exists(RuncRoot))
        {
            return [];
        }
        return Host.Run("runc", "--root", RuncRoot, "list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(StateRoot))
            {
                foreach (var pod in Json("ps").EnumerateArray())
                {
                    Run("down", "--grace-period", "0", pod.GetProperty("id").GetString()!);
                }
            }
        }
        finally
        {
            // Whatever `down` could not remove: containers, then mounts, deepest first.
            foreach (var id in RuncList())
            {
                Host.Run("runc", "--root", RuncRoot, "delete", "--force", id);
            }
            var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
                .Where(m => m.StartsWith(Root, StringComparison.Ordinal)).OrderByDescending(m => m.Length);
            foreach (var m in mounts)
            {
                Host.Run("umount", "-l", m);
            }
            Sublet.Linux.Files.TreeRemover.Remove(Root); // pods may leave trees deeper than PATH_MAX (RemovalTests)
            if (NetnsName is not null)
            {
                Host.Run("ip", "netns", "del", NetnsName); // its bridge, veths and iptables rules go with it
            }
        }
    }
}

public sealed record Leftovers(IReadOnlyList<string> Mounts, IReadOnlyList<string> Containers, IReadOnlyList<string> Allocations, IReadOnlyList<string> PodDirs, IReadOnlyList<string> LayerCopies,
    IReadOnlyList<string> Network)
{
    public bool IsEmpty => Mounts.Count == 0 && Containers.Count == 0 && Allocations.Count == 0 && PodDirs.Count == 0 && LayerCopies.Count == 0 && Network.Count == 0;

    public override string ToString() =>
        $"mounts [{string.Join(", ", Mounts)}], runc containers [{string.Join(", ", Containers)}], allocations [{string.Join(", ", Allocations)}], pod dirs [{string.Join(", ", PodDirs)}], layer copies [{string.Join(", ", LayerCopies)}], network [{string.Join(", ", Network)}]";
}

/// <summary>The demo image layout, built once per test run by hack/busybox-image.sh.</summary>
internal static class DemoImage
{
    private static readonly Lazy<string> Built = new(Build);

    public static string Layout => Built.Value;

    private static string Build()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}");
        RemoveStale();
        var script = Path.Combine(RepoRoot(), "hack", "busybox-image.sh");
        using var p = Process.Start(new ProcessStartInfo("bash", [script, dir]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{script} failed: {err.Result}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        return dir;
    }

    private const string Prefix = "sublet-it-image-";

    /// <summary>
    /// Layouts of test hosts that are gone: the exit handler below does not run when the runner
    /// kills its test host, so the next run removes what such a host left.
    /// </summary>
    private static void RemoveStale()
    {
        foreach (var stale in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(stale)[Prefix.Length..], out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                Directory.Delete(stale, recursive: true);
            }
        }
    }

    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Sublet.slnx")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Sublet.slnx not found above " + AppContext.BaseDirectory);
        }
        return dir;
    }
}

/// <summary>Integration tests need root, runc, conmon, catatonit and busybox: a missing one is a failure that says what to do.</summary>
internal static class Prerequisites
{
    private static readonly Lazy<string?> Problem = new(Find);

    public static void Check()
    {
        if (Problem.Value is { } problem)
        {
            Assert.Fail(problem);
        }
    }

    private static string? Find()
    {
        if (Environment.UserName != "root")
        {
            return "integration tests run real pods: run them as root (./test.sh)";
        }
        foreach (var (file, package) in new[] { ("/usr/sbin/runc", "runc"), ("/usr/bin/conmon", "conmon"), ("/usr/bin/catatonit", "catatonit"), ("/bin/busybox", "busybox-static") })
        {
            if (!File.Exists(file))
            {
                return $"{file} is missing: apt-get install {package} (./test.sh installs it)";
            }
        }
        return null;
    }
}

/// <summary>Runs a host command (not sublet) to completion.</summary>
internal static class Host
{
    public static CliResult Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout, stderr.Result);
    }
}
