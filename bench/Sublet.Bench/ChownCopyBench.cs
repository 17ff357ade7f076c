using System.Diagnostics;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Rootfs;

namespace Sublet.Bench;

/// <summary>
/// Issue 14 item 5: the chown-copy fallback against the idmapped path, on the demo image and on a
/// synthetic 50,000-file layer. Per round, interleaved: idmapped Prepare; chown copy with an empty
/// cache (LayerCopies.Ensure + Prepare over the copy, what a pod's first container pays); chown copy
/// with the cache filled (what its other containers and restarts pay); and, as a yardstick, the
/// <c>cp -a</c> + <c>chown -hR</c> baseline of section 1. The copy is released after each cold run, untimed.
/// </summary>
internal static class ChownCopyBench
{
    private const uint HostStart = 65536 * 5;

    public static int Run(Options o, CancellationToken ct)
    {
        using var scratch = new Scratch(o.Storage, "sublet-bench-chowncopy-");
        UserNamespaceChild? child = null;
        try
        {
            Console.WriteLine($"storage: {scratch.Describe()} at {scratch.Storage}");
            var store = new ImageStore(Path.Combine(scratch.Storage, "images"));
            var demoLayout = Path.Combine(scratch.Storage, "busybox-oci");
            Shell.Ok("bash", Path.Combine(o.RepoRoot ?? PodStartBench.FindRepo(), "hack", "busybox-image.sh"), demoLayout);
            var demo = store.Load(demoLayout).Single();
            var largeLayout = Path.Combine(scratch.Storage, "large-oci");
            OciLayoutWriter.Write(largeLayout, "localhost/bench:large", 50_000);
            var large = store.Load(largeLayout).Single();
            ct.ThrowIfCancellationRequested();

            var range = new IdRange(HostStart, 65536);
            child = new UserNamespaceChild(range);
            var mounter = new LinuxMounter();
            var builder = new RootfsBuilder(mounter);
            var copies = new LayerCopies(Path.Combine(scratch.Storage, "state"));
            var runs = Path.Combine(scratch.Storage, "runs");
            Directory.CreateDirectory(runs);
            var n = 0;
            var images = new[] { ("demo image", store.LayerPaths(demo)), ("50,000 files", store.LayerPaths(large)) };
            var idmapped = images.Select(i => new Series($"idmapped layers, {i.Item1}")).ToArray();
            var cold = images.Select(i => new Series($"chown copy, empty cache, {i.Item1}")).ToArray();
            var warm = images.Select(i => new Series($"chown copy, cached, {i.Item1}")).ToArray();
            var baseline = images.Select(i => new Series($"baseline cp -a + chown -hR, {i.Item1}")).ToArray();

            TimeSpan CpChown(IReadOnlyList<string> layers)
            {
                // What a runtime without idmapped mounts does per range (section 1's baseline), rm -rf untimed.
                var dst = Path.Combine(scratch.Storage, "cp-chown");
                var cp = Shell.Ok("cp", "-a", layers[0], dst).Elapsed;
                var chown = Shell.Ok("chown", "-hR", $"{HostStart}:{HostStart}", dst).Elapsed;
                Shell.Ok("rm", "-rf", dst);
                return cp + chown;
            }

            TimeSpan Once(IReadOnlyList<string> layers, bool copy, bool verify)
            {
                ct.ThrowIfCancellationRequested();
                var dir = Path.Combine(runs, $"r{n++}");
                Directory.CreateDirectory(dir);
                var sw = Stopwatch.StartNew();
                var lowers = copy ? copies.Ensure(layers, range) : layers;
                var request = new RootfsRequest(store.LayersRoot, lowers, Path.Combine(dir, "rootfs"), Path.Combine(dir, "idmap"), Path.Combine(dir, "c"));
                builder.Prepare(request, range, copy ? null : child.Open);
                sw.Stop();
                try
                {
                    if (verify) Verify(request.MountPoint, range, copy);
                }
                finally
                {
                    mounter.Unmount(request.MountPoint);
                    scratch.UnmountBelow(dir);
                    Directory.Delete(dir, recursive: true);
                }
                return sw.Elapsed;
            }

            var rounds = o.Rounds;
            Console.WriteLine($"warm-up: {o.Warmup} rounds; measuring {rounds} rounds, per image: idmapped, chown copy (empty cache), chown copy (cached)");
            for (var r = -o.Warmup; r < rounds; r++)
            {
                for (var i = 0; i < images.Length; i++)
                {
                    var layers = images[i].Item2;
                    var a = Once(layers, copy: false, verify: r == -o.Warmup);
                    var b = Once(layers, copy: true, verify: r == -o.Warmup);
                    var c = Once(layers, copy: true, verify: false);
                    copies.Release([]); // untimed: the next cold run starts from an empty cache
                    var d = CpChown(layers);
                    if (r < 0) continue;
                    baseline[i].Add(d);
                    idmapped[i].Add(a);
                    cold[i].Add(b);
                    warm[i].Add(c);
                }
            }

            Series.PrintTable("Rootfs for a user-namespaced container: idmapped layers vs chown copy", idmapped.Concat(cold).Concat(warm).Concat(baseline));
            Console.WriteLine();
            Console.WriteLine("| ratio of medians | demo image | 50,000 files |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine($"| chown copy, empty cache / idmapped | {Series.Ratio(cold[0].Median, idmapped[0].Median)} | {Series.Ratio(cold[1].Median, idmapped[1].Median)} |");
            Console.WriteLine($"| chown copy, cached / idmapped | {Series.Ratio(warm[0].Median, idmapped[0].Median)} | {Series.Ratio(warm[1].Median, idmapped[1].Median)} |");
            Console.WriteLine($"| chown copy, empty cache / cp -a + chown -hR | {Series.Ratio(cold[0].Median, baseline[0].Median)} | {Series.Ratio(cold[1].Median, baseline[1].Median)} |");
            return 0;
        }
        finally
        {
            child?.Dispose();
        }
    }

    private static void Verify(string rootfs, IdRange range, bool copy)
    {
        // Both paths must show the image's root-owned files as the pod's host root on the host side.
        var first = Directory.EnumerateDirectories(rootfs).Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"{rootfs}: the rootfs has no directory");
        var owner = Shell.Ok("stat", "-c", "%u:%g", first).Stdout.Trim();
        var expected = $"{range.Start}:{range.Start}";
        if (owner != expected) throw new InvalidOperationException($"{(copy ? "chown copy" : "idmapped")}: {first} is owned by {owner}, expected {expected}");
        Console.WriteLine($"check {(copy ? "chown copy" : "idmapped")}: {Directory.EnumerateFileSystemEntries(rootfs, "*", SearchOption.AllDirectories).Count()} entries, {Path.GetFileName(first)} owned by {owner}");
    }
}
