using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sublet.Bench;

/// <summary>
/// A node filling up (issue 23 item 3, density): N user-namespaced pods (sandbox + one container
/// running sleep) started through <c>sublet serve</c> one after another, all left running; torn
/// down; then N again, 10 at a time. Reports the start time per pod as the node fills, the
/// daemon's RSS, the memory per pod outside the containers (conmon, and the daemon's growth),
/// and checks from /proc that every pod's processes run in a user namespace of their own range.
/// The ranges come from the client, as the kubelet's allocator sends them over CRI.
/// </summary>
internal static class DensityBench
{
    private const uint FirstHostId = 65536u * 100;

    public static int Run(Options o, CancellationToken ct)
    {
        var repo = o.RepoRoot ?? PodStartBench.FindRepo();
        var sublet = Path.GetFullPath(o.Sublet ?? Path.Combine(repo, ".build", "bin", "sublet"));
        using var scratch = new Scratch(o.Storage, "sublet-bench-density-");
        var env = new SubletConfig(scratch.Storage, sublet, $"maxPods: {Math.Max(110, o.Pods)}");
        Daemon? serve = null;
        try
        {
            Console.WriteLine($"storage: {scratch.Describe()} at {scratch.Storage}; sublet {Shell.Ok(sublet, "--version").Stdout.Trim()}; {o.Pods} pods");
            var layout = Path.Combine(scratch.Storage, "busybox-oci");
            Shell.Ok("bash", Path.Combine(repo, "hack", "busybox-image.sh"), layout);
            env.Ok("image", "load", layout);
            serve = env.Serve();
            // One pod started and removed first: the client's JIT and the server's first-call paths.
            var warm = CriPodCycle.Start(serve.Client, Spec(env, "warm", 0));
            CriPodCycle.Stop(serve.Client, warm);
            Console.WriteLine($"sublet serve RSS, idle after one pod: {serve.RssMiB:F1} MiB");

            var sequential = Fill(serve, env, o.Pods, parallel: 1, ct);
            var tenAtATime = Fill(serve, env, o.Pods, parallel: 10, ct);

            Console.WriteLine();
            Console.WriteLine("### Start time per pod as the node fills (RunPodSandbox → container running), ms");
            Console.WriteLine();
            Console.WriteLine("| pods already running | one after another: median | p90 | 10 at a time: median | p90 |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            for (var from = 0; from < o.Pods; from += 10)
            {
                var a = Bucket(sequential.Starts, from);
                var b = Bucket(tenAtATime.Starts, from);
                Console.WriteLine($"| {from}–{Math.Min(from + 9, o.Pods - 1)} | {Series.Ms(a.Median)} | {Series.Ms(a.P90)} | {Series.Ms(b.Median)} | {Series.Ms(b.P90)} |");
            }
            Console.WriteLine();
            Console.WriteLine("| | one after another | 10 at a time |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine($"| wall time for {o.Pods} pods, s | {sequential.Wall.TotalSeconds:F1} | {tenAtATime.Wall.TotalSeconds:F1} |");
            Console.WriteLine($"| pods per second | {o.Pods / sequential.Wall.TotalSeconds:F1} | {o.Pods / tenAtATime.Wall.TotalSeconds:F1} |");
            Console.WriteLine($"| sublet serve RSS with all running, MiB | {sequential.ServeRss:F1} | {tenAtATime.ServeRss:F1} |");
            Console.WriteLine($"| sublet serve RSS, peak seen, MiB | {sequential.PeakRss:F1} | {tenAtATime.PeakRss:F1} |");
            Console.WriteLine($"| conmon processes | {sequential.Conmons} | {tenAtATime.Conmons} |");
            Console.WriteLine($"| conmon RSS per pod, MiB | {sequential.ConmonRss / o.Pods:F2} | {tenAtATime.ConmonRss / o.Pods:F2} |");
            Console.WriteLine($"| conmon PSS per pod, MiB | {sequential.ConmonPss / o.Pods:F2} | {tenAtATime.ConmonPss / o.Pods:F2} |");
            Console.WriteLine($"| serve RSS growth per pod (vs idle), MiB | {sequential.ServeGrowth / o.Pods:F2} | {tenAtATime.ServeGrowth / o.Pods:F2} |");
            Console.WriteLine($"| distinct user-namespace ranges seen in /proc, overlaps | {sequential.Ranges}, {sequential.Overlaps} | {tenAtATime.Ranges}, {tenAtATime.Overlaps} |");
            Console.WriteLine($"| teardown of all, s | {sequential.Teardown.TotalSeconds:F1} | {tenAtATime.Teardown.TotalSeconds:F1} |");
            return sequential.Overlaps == 0 && tenAtATime.Overlaps == 0 && sequential.Ranges == o.Pods && tenAtATime.Ranges == o.Pods ? 0 : 1;
        }
        finally
        {
            PodStartBench.Stop(serve, env);
        }
    }

    private static CriPodSpec Spec(SubletConfig env, string name, int slot) =>
        new(name, "localhost/busybox:demo", ["sleep", "3600"], Path.Combine(env.Root, "logs", name), HostNetwork: false, HostId: FirstHostId + (uint)slot * 65536);

    private static Series Bucket(double[] starts, int from)
    {
        var s = new Series("");
        foreach (var ms in starts.Skip(from).Take(10)) s.AddMs(ms);
        return s;
    }

    private sealed record Filled(double[] Starts, TimeSpan Wall, double ServeRss, double PeakRss, double ServeGrowth, int Conmons, double ConmonRss, double ConmonPss, int Ranges, int Overlaps, TimeSpan Teardown);

    /// <summary>Starts <paramref name="pods"/> pods, <paramref name="parallel"/> at a time, each in order of completion into the next slot; measures with all running; removes them.</summary>
    private static Filled Fill(Daemon serve, SubletConfig env, int pods, int parallel, CancellationToken ct)
    {
        var idle = serve.RssMiB;
        var starts = new double[pods];
        var running = new CriPod[pods];
        var next = -1;
        var done = 0;
        var peak = idle;
        Exception? failure = null;
        var wall = Stopwatch.StartNew();
        // Dedicated threads: blocking gRPC calls on pool threads would wait for the pool to grow.
        var workers = Enumerable.Range(0, parallel).Select(w => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < pods && failure is null && !ct.IsCancellationRequested)
            {
                try
                {
                    var pod = CriPodCycle.Start(serve.Client, Spec(env, $"d{parallel}-{i}", i));
                    running[i] = pod;
                    // Slot by completion order: "pods already running" when this one was done.
                    starts[Interlocked.Increment(ref done) - 1] = pod.Start.TotalMilliseconds;
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        while (workers.Any(t => t.IsAlive))
        {
            peak = Math.Max(peak, serve.RssMiB);
            Thread.Sleep(100);
        }
        wall.Stop();
        if (failure is not null) throw new InvalidOperationException($"density ({parallel} at a time): {failure.Message}", failure);
        ct.ThrowIfCancellationRequested();

        var listed = serve.Client.Runtime.ListContainers(new Sublet.Cri.Api.ListContainersRequest()).Containers.Count(c => c.State == Sublet.Cri.Api.ContainerState.ContainerRunning);
        if (listed != pods) throw new InvalidOperationException($"{listed} containers running, expected {pods}");
        var rss = serve.RssMiB;
        var conmons = Memory.Find("conmon", env.Root);
        var (conmonRss, conmonPss) = (conmons.Sum(Memory.Rss), conmons.Sum(Memory.Pss));
        var (ranges, overlaps) = UserNamespaces(conmons);
        var audit = JsonDocument.Parse(env.Ok("ids", "--verify", "-o", "json").Stdout).RootElement;
        var findings = audit.GetProperty("findings").GetArrayLength();
        Console.WriteLine($"{parallel} at a time: {pods} running; sublet ids --verify: {audit.GetProperty("pods").GetInt32()} pods, {findings} findings");
        if (findings > 0) overlaps += findings;

        var teardown = Stopwatch.StartNew();
        foreach (var pod in running) CriPodCycle.Stop(serve.Client, pod);
        teardown.Stop();
        return new Filled(starts, wall.Elapsed, rss, peak, rss - idle, conmons.Count,
            conmonRss, conmonPss, ranges, overlaps, teardown.Elapsed);
    }

    /// <summary>
    /// The user-namespace mapping of every process conmon supervises (/proc/PID/uid_map, first line
    /// "inside host length"): distinct host ranges, and how many overlap another or are the
    /// host's own identity mapping (a pod without a user namespace).
    /// </summary>
    private static (int Ranges, int Overlaps) UserNamespaces(List<int> conmons)
    {
        var ranges = new HashSet<(long Start, long Length)>();
        foreach (var child in conmons.SelectMany(Memory.Children))
        {
            try
            {
                var f = File.ReadLines($"/proc/{child}/uid_map").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                ranges.Add((long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
            }
        }
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        var overlaps = sorted.Count(r => r.Start == 0);
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i - 1].Start + sorted[i - 1].Length > sorted[i].Start) overlaps++;
        }
        return (sorted.Count, overlaps);
    }
}
