using System.Text.Json;
using System.Text.Json.Nodes;
using Sublet.Linux.Mounts;

namespace Sublet.Bench;

/// <summary>
/// End-to-end pod start through the real CLI, as a user runs it: `sublet play --wait` of a
/// restartPolicy: Never pod whose one container runs `true`, with hostUsers: false and without,
/// against the same work done by hand with runc (<see cref="RuncFloor"/>), the CRI path of a pod
/// against `sublet serve` and containerd (<see cref="CriPodCycle"/>, with --cri), interleaved in
/// every round. Also splits a userns pod into `play` (start, returns) and `down`, and times `sublet --version`,
/// conmon's exit command, `sublet images`, `sublet ps`, `sublet ids` and a `play` that fails at the image lookup, to show what a sublet
/// process costs before it starts anything.
/// </summary>
internal static class PodStartBench
{
    private const uint RuncHostStart = 65536 * 7;

    public static int Run(Options o, CancellationToken ct)
    {
        var repo = o.RepoRoot ?? FindRepo();
        var sublet = Path.GetFullPath(o.Sublet ?? Path.Combine(repo, ".build", "bin", "sublet"));
        if (!File.Exists(sublet))
        {
            Console.Error.WriteLine($"{sublet} is missing: run `{repo}/sublet --help` once to build it");
            return 1;
        }
        var scratch = new Scratch(o.Storage, "sublet-bench-podstart-");
        var env = new SubletConfig(scratch.Storage, sublet);
        var serveEnv = new SubletConfig(Directory.CreateDirectory(Path.Combine(scratch.Storage, "serve")).FullName, sublet);
        var containerdDir = Path.Combine(scratch.Storage, "containerd");
        RuncFloor? floor = null;
        Daemon? serve = null, containerd = null;
        try
        {
            Console.WriteLine($"storage: {scratch.Describe()} at {scratch.Storage}");
            Console.WriteLine($"sublet: {sublet} ({Shell.Ok(sublet, "--version").Stdout.Trim()})");
            Console.WriteLine($"runc: {Shell.Ok("runc", "--version").Stdout.Split('\n')[0]}; conmon: {Shell.Ok("conmon", "--version").Stdout.Split('\n')[0]}");
            var layout = Path.Combine(scratch.Storage, "busybox-oci");
            Shell.Ok("bash", Path.Combine(repo, "hack", "busybox-image.sh"), layout);
            env.Ok("image", "load", layout);
            serveEnv.Ok("image", "load", layout);
            floor = new RuncFloor(Path.Combine(scratch.Storage, "floor"), layout);
            var containerdVersion = o.Cri ? Containerd.Version() : "";
            if (o.Cri)
            {
                Console.WriteLine($"containerd: {containerdVersion}");
                serve = serveEnv.Serve();
                containerd = Containerd.Start(containerdDir, layout);
            }

            var userns = env.Manifest("userns.yaml", "bench-userns", hostUsers: false);
            var host = env.Manifest("host.yaml", "bench-host", hostUsers: true);
            var split = env.Manifest("split.yaml", "bench-split", hostUsers: false);
            // Fails at the image lookup: what `play` costs before it starts anything.
            var missing = env.Manifest("missing.yaml", "bench-missing", hostUsers: false, image: "localhost/bench:missing");
            var n = 0;

            var waitUserns = new Series("sublet play --wait, hostUsers: false");
            var waitHost = new Series("sublet play --wait, host users");
            var floorUserns = new Series("runc floor (pause + app, idmapped overlay), user namespace");
            var floorHost = new Series("runc floor (pause + app, overlay), host users");
            var criSublet = new Series("CRI start (RunPodSandbox → running), sublet serve");
            var criContainerd = new Series("CRI start (RunPodSandbox → running), containerd");
            var criSubletDown = new Series("CRI teardown (Stop/Remove container, sandbox), sublet serve");
            var criContainerdDown = new Series("CRI teardown (Stop/Remove container, sandbox), containerd");
            var playOnly = new Series("sublet play (start only), hostUsers: false");
            var exitHook = new Series("conmon's exit command: env + sublet internal container-exited");
            var downOnly = new Series("sublet down --grace-period 0, hostUsers: false");
            var failing = new Series("sublet play, image missing (read manifest, plan, fail)");
            var images = new Series("sublet images");
            var ps = new Series("sublet ps");
            var ids = new Series("sublet ids");
            var version = new Series("sublet --version");

            void Round(bool record)
            {
                void Add(Series s, TimeSpan t) { if (record) s.Add(t); }
                ct.ThrowIfCancellationRequested();
                Add(waitUserns, env.Ok("play", "--wait", userns).Elapsed);
                ct.ThrowIfCancellationRequested();
                Add(waitHost, env.Ok("play", "--wait", host).Elapsed);
                ct.ThrowIfCancellationRequested();
                Add(floorUserns, floor.Run(RuncHostStart));
                Add(floorHost, floor.Run(null));
                ct.ThrowIfCancellationRequested();
                if (serve is not null && containerd is not null)
                {
                    // Host network for both: no CNI plugin on either side (see Containerd).
                    var name = $"cri-{n++}";
                    foreach (var (d, up, down) in new[] { (serve, criSublet, criSubletDown), (containerd, criContainerd, criContainerdDown) })
                    {
                        var spec = new CriPodSpec(name, "localhost/busybox:demo", ["sleep", "3600"], Path.Combine(scratch.Storage, "cri-logs", d.Name, name), HostNetwork: true, HostId: null);
                        var pod = CriPodCycle.Start(d.Client, spec);
                        Add(up, pod.Start);
                        Add(down, CriPodCycle.Stop(d.Client, pod));
                        ct.ThrowIfCancellationRequested();
                    }
                }
                Add(playOnly, env.Ok("play", split).Elapsed);
                var container = WaitEnded(env, "bench-split");
                Add(exitHook, Shell.Ok("/usr/bin/env", "--default-signal=PIPE", sublet, "--config", env.ConfigPath, "internal", "container-exited", container).Elapsed);
                Add(downOnly, env.Ok("down", "--grace-period", "0", "bench-split").Elapsed);
                var fail = env.Run("play", missing);
                if (fail.ExitCode != 1 || !fail.Stderr.Contains("not in the store", StringComparison.Ordinal))
                    throw new InvalidOperationException($"sublet play {missing}: expected the missing-image error, got exit {fail.ExitCode}: {fail.Stderr}");
                Add(failing, fail.Elapsed);
                Add(images, env.Ok("images").Elapsed);
                Add(ps, env.Ok("ps").Elapsed);
                Add(ids, env.Ok("ids").Elapsed);
                Add(version, env.Ok("--version").Elapsed);
            }

            for (var w = 0; w < o.Warmup; w++) Round(record: false);
            Console.WriteLine($"warm-up: {o.Warmup} rounds; measuring {o.Rounds} rounds");
            for (var r = 0; r < o.Rounds; r++) Round(record: true);

            Series.PrintTable("Pod start, end to end (process start to exit; CRI: first request to last reply)",
                [waitUserns, waitHost, floorUserns, floorHost, criSublet, criContainerd, criSubletDown, criContainerdDown, playOnly, exitHook, downOnly, failing, images, ps, ids, version]);
            Console.WriteLine();
            Console.WriteLine("| ratio of medians | value | goal (issue 23) |");
            Console.WriteLine("|---|---:|---|");
            Console.WriteLine($"| play --wait userns / runc floor userns | {Series.Ratio(waitUserns.Median, floorUserns.Median)} | ≤ 1.25 |");
            Console.WriteLine($"| play --wait host / runc floor host | {Series.Ratio(waitHost.Median, floorHost.Median)} | ≤ 1.25 |");
            Console.WriteLine($"| play --wait: userns / host users | {Series.Ratio(waitUserns.Median, waitHost.Median)} | ≤ 1.05 |");
            if (criSublet.Count > 0)
            {
                Console.WriteLine($"| CRI start: sublet serve / containerd | {Series.Ratio(criSublet.Median, criContainerd.Median)} | < 1 |");
                Console.WriteLine($"| CRI teardown: sublet serve / containerd | {Series.Ratio(criSubletDown.Median, criContainerdDown.Median)} | |");
                Console.WriteLine($"| CRI start + teardown: sublet serve / containerd | {Series.Ratio(criSublet.Median + criSubletDown.Median, criContainerd.Median + criContainerdDown.Median)} | |");
            }
            Console.WriteLine($"| (play + down) / play --wait, userns | {Series.Ratio(playOnly.Median + downOnly.Median, waitUserns.Median)} | |");
            if (serve is not null && containerd is not null)
            {
                Console.WriteLine($"daemon RSS after the rounds: sublet serve {serve.RssMiB:F1} MiB, containerd {containerd.RssMiB:F1} MiB");
            }

            var left = Leftovers(scratch.Root, env.RuncRoot, floor.RuncRoot);
            Console.WriteLine($"leftovers before cleanup: {(left.Count == 0 ? "none" : string.Join(", ", left))}");
            return 0;
        }
        finally
        {
            Stop(serve, serveEnv);
            if (containerd is not null)
            {
                Stop(containerd, null);
                Containerd.Cleanup(containerdDir);
            }
            floor?.Cleanup();
            Cleanup(env, floor?.RuncRoot ?? "", scratch);
        }
    }

    /// <summary>Removes what a CRI server still runs, stops it, and for sublet also what its store still lists.</summary>
    internal static void Stop(Daemon? daemon, SubletConfig? env)
    {
        if (daemon is null) return;
        try
        {
            CriPodCycle.RemoveAll(daemon.Client);
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or InvalidOperationException)
        {
            Console.Error.WriteLine($"cleanup: {daemon.Name}: {e.Message}");
        }
        daemon.Dispose();
        if (env is not null)
        {
            Shell.DeleteRuncContainers(env.RuncRoot);
        }
    }

    /// <summary>Waits (untimed) until the pod's one container has ended and returns its id.</summary>
    private static string WaitEnded(SubletConfig env, string pod)
    {
        for (var i = 0; i < 200; i++)
        {
            var info = JsonDocument.Parse(env.Ok("ps", "-o", "json").Stdout).RootElement.EnumerateArray().First(p => p.GetProperty("name").GetString() == pod);
            var c = info.GetProperty("containers")[0];
            if (c.GetProperty("state").GetString() is not ("Running" or "Created" or "Waiting")) return c.GetProperty("id").GetString()!;
            Thread.Sleep(20);
        }
        throw new InvalidOperationException($"{pod}: its container did not end");
    }

    /// <summary>What a round left: mounts (but the scratch filesystem and each state root's standing nosuid mount of its pods), runc containers.</summary>
    private static List<string> Leftovers(string root, params string[] runcRoots)
    {
        var left = new LinuxMounter().MountPointsUnder(root).Where(m => !m.EndsWith("/storage", StringComparison.Ordinal) && !m.EndsWith("/state/pods", StringComparison.Ordinal)).Select(m => $"mount {m}").ToList();
        foreach (var r in runcRoots)
        {
            left.AddRange(Shell.RuncIds(r).Select(id => $"runc {r} {id}"));
        }
        return left;
    }

    private static void Cleanup(SubletConfig env, string runcRoot, Scratch scratch)
    {
        try
        {
            if (Directory.Exists(env.StateRoot))
            {
                var ps = env.Run("ps", "-o", "json");
                if (ps.ExitCode == 0)
                {
                    foreach (var pod in JsonDocument.Parse(ps.Stdout).RootElement.EnumerateArray())
                    {
                        env.Run("down", "--grace-period", "0", pod.GetProperty("id").GetString()!);
                    }
                }
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"cleanup: sublet down: {e.Message}");
        }
        Shell.DeleteRuncContainers(env.RuncRoot);
        Shell.DeleteRuncContainers(runcRoot);
        scratch.Dispose();
    }

    internal static string FindRepo()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Sublet.slnx"))) return dir;
            }
        }
        throw new InvalidOperationException("Sublet.slnx not found above the current directory; pass --repo DIR");
    }
}

/// <summary>A private Sublet installation (the integration tests' SubletEnv pattern): own state and run roots, empty subuid/subgid.</summary>
internal sealed class SubletConfig
{
    private readonly string _binary;

    public SubletConfig(string root, string binary, string extra = "")
    {
        _binary = binary;
        Root = root;
        StateRoot = Path.Combine(root, "state");
        RunRoot = Path.Combine(root, "run");
        ConfigPath = Path.Combine(root, "config.yaml");
        File.WriteAllText(Path.Combine(root, "subuid"), "");
        File.WriteAllText(Path.Combine(root, "subgid"), "");
        File.WriteAllText(ConfigPath, $"""
            stateRoot: {StateRoot}
            runRoot: {RunRoot}
            subUidPath: {root}/subuid
            subGidPath: {root}/subgid
            network:
              mode: none
            {extra}
            """);
    }

    public string Root { get; }
    public string StateRoot { get; }
    public string RunRoot { get; }
    public string ConfigPath { get; }
    public string RuncRoot => Path.Combine(RunRoot, "runc");

    public RunResult Run(params string[] args) => Shell.Run(_binary, ["--config", ConfigPath, .. args]);

    /// <summary><c>sublet serve</c> on a socket under this installation's root (network mode none, as every command here).</summary>
    public Daemon Serve()
    {
        var socket = Path.Combine(Root, "sublet.sock");
        return new Daemon("sublet serve", socket, Path.Combine(Root, "serve.log"), _binary, "--config", ConfigPath, "serve", "--listen", socket);
    }

    public RunResult Ok(params string[] args) => Run(args).Ok($"sublet {string.Join(' ', args)}");

    public string Manifest(string file, string name, bool hostUsers, string image = "localhost/busybox:demo")
    {
        var path = Path.Combine(Root, file);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {name}
            spec:
              {(hostUsers ? "" : "hostUsers: false")}
              restartPolicy: Never
              containers:
              - name: main
                image: {image}
                command: ["true"]

            """);
        return path;
    }
}
