using System.Text.Json;
using System.Text.Json.Nodes;
using Sublet.Linux.Mounts;

namespace Sublet.Bench;

/// <summary>
/// End-to-end pod start through the real CLI, as a user runs it: `sublet play --wait` of a
/// restartPolicy: Never pod whose one container runs `true`, with hostUsers: false and without,
/// against `runc run` of a busybox bundle (the floor: what the OCI runtime alone costs), interleaved.
/// Also splits a userns pod into `play` (start, returns) and `down`, and times `sublet --version`,
/// `sublet images`, `sublet ps`, `sublet ids` and a `play` that fails at the image lookup, to show what a sublet
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
        var runcRoot = Path.Combine(scratch.Storage, "runc-bench");
        try
        {
            Console.WriteLine($"storage: {scratch.Describe()} at {scratch.Storage}");
            Console.WriteLine($"sublet: {sublet}");
            var layout = Path.Combine(scratch.Storage, "busybox-oci");
            Shell.Ok("bash", Path.Combine(repo, "hack", "busybox-image.sh"), layout);
            env.Ok("image", "load", layout);

            var userns = env.Manifest("userns.yaml", "bench-userns", hostUsers: false);
            var host = env.Manifest("host.yaml", "bench-host", hostUsers: true);
            var split = env.Manifest("split.yaml", "bench-split", hostUsers: false);
            // Fails at the image lookup: what `play` costs before it starts anything.
            var missing = env.Manifest("missing.yaml", "bench-missing", hostUsers: false, image: "localhost/bench:missing");
            var (runcHostBundle, runcUsernsBundle) = RuncBundles(scratch.Storage);
            var n = 0;

            var waitUserns = new Series("sublet play --wait, hostUsers: false");
            var waitHost = new Series("sublet play --wait, host users");
            var runcUserns = new Series("runc run, user namespace (rootfs chowned)");
            var runcHost = new Series("runc run, host users");
            var playOnly = new Series("sublet play (start only), hostUsers: false");
            var downOnly = new Series("sublet down --grace-period 0, hostUsers: false");
            var failing = new Series("sublet play, image missing (read manifest, plan, fail)");
            var images = new Series("sublet images (CLI start-up + images.json)");
            var ps = new Series("sublet ps (CLI start-up + state db)");
            var ids = new Series("sublet ids (CLI start-up + state db + ID pool)");
            var version = new Series("sublet --version (CLI start-up)");

            void Round(bool record)
            {
                void Add(Series s, TimeSpan t) { if (record) s.Add(t); }
                ct.ThrowIfCancellationRequested();
                Add(waitUserns, env.Ok("play", "--wait", userns).Elapsed);
                ct.ThrowIfCancellationRequested();
                Add(waitHost, env.Ok("play", "--wait", host).Elapsed);
                ct.ThrowIfCancellationRequested();
                Add(runcUserns, Shell.Ok("runc", "--root", runcRoot, "run", "-b", runcUsernsBundle, $"bench-u{n++}").Elapsed);
                Add(runcHost, Shell.Ok("runc", "--root", runcRoot, "run", "-b", runcHostBundle, $"bench-h{n++}").Elapsed);
                ct.ThrowIfCancellationRequested();
                Add(playOnly, env.Ok("play", split).Elapsed);
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

            Series.PrintTable("Pod start, end to end (process start to exit)", [waitUserns, waitHost, runcUserns, runcHost, playOnly, downOnly, failing, images, ps, ids, version]);
            Console.WriteLine();
            Console.WriteLine("| ratio of medians | value |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine($"| play --wait: userns / host users | {Series.Ratio(waitUserns.Median, waitHost.Median)} |");
            Console.WriteLine($"| play --wait userns / runc run userns | {Series.Ratio(waitUserns.Median, runcUserns.Median)} |");
            Console.WriteLine($"| play --wait host / runc run host | {Series.Ratio(waitHost.Median, runcHost.Median)} |");
            Console.WriteLine($"| (play + down) / play --wait, userns | {Series.Ratio(playOnly.Median + downOnly.Median, waitUserns.Median)} |");

            var left = Leftovers(scratch.Root, env.RuncRoot, runcRoot);
            Console.WriteLine($"leftovers before cleanup: {(left.Count == 0 ? "none" : string.Join(", ", left))}");
            return 0;
        }
        finally
        {
            Cleanup(env, runcRoot, scratch);
        }
    }

    private static List<string> Leftovers(string root, params string[] runcRoots)
    {
        var left = new LinuxMounter().MountPointsUnder(root).Where(m => !m.EndsWith("/storage", StringComparison.Ordinal)).Select(m => $"mount {m}").ToList();
        foreach (var r in runcRoots.Where(Directory.Exists))
        {
            left.AddRange(Shell.Run("runc", "--root", r, "list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(id => $"runc {r} {id}"));
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
        foreach (var r in new[] { env.RuncRoot, runcRoot }.Where(Directory.Exists))
        {
            foreach (var id in Shell.Run("runc", "--root", r, "list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Shell.Run("runc", "--root", r, "delete", "--force", id);
            }
        }
        scratch.Dispose();
    }

    /// <summary>Two runc bundles running /bin/true from a busybox rootfs: host users, and a user namespace 0 → H over a chowned copy.</summary>
    private static (string Host, string Userns) RuncBundles(string dir)
    {
        var host = Path.Combine(dir, "bundle-host");
        var rootfs = Path.Combine(host, "rootfs", "bin");
        Directory.CreateDirectory(rootfs);
        File.Copy("/bin/busybox", Path.Combine(rootfs, "busybox"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "true"), "busybox");
        File.CreateSymbolicLink(Path.Combine(rootfs, "sh"), "busybox");
        Shell.Ok("runc", "spec", "-b", host);
        var configPath = Path.Combine(host, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["process"]!["args"] = new JsonArray("/bin/true");
        config["process"]!["terminal"] = false;
        File.WriteAllText(configPath, config.ToJsonString());

        var userns = Path.Combine(dir, "bundle-userns");
        Shell.Ok("cp", "-a", host, userns);
        Shell.Ok("chown", "-hR", $"{RuncHostStart}:{RuncHostStart}", Path.Combine(userns, "rootfs"));
        var mapping = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = RuncHostStart, ["size"] = 65536 });
        config["linux"]!["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "user" });
        config["linux"]!["uidMappings"] = mapping;
        config["linux"]!["gidMappings"] = mapping.DeepClone();
        File.WriteAllText(Path.Combine(userns, "config.json"), config.ToJsonString());
        return (host, userns);
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

    public SubletConfig(string root, string binary)
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
            """);
    }

    public string Root { get; }
    public string StateRoot { get; }
    public string RunRoot { get; }
    public string ConfigPath { get; }
    public string RuncRoot => Path.Combine(RunRoot, "runc");

    public RunResult Run(params string[] args) => Shell.Run(_binary, ["--config", ConfigPath, .. args]);

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
