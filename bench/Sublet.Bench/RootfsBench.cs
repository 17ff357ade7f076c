using System.Diagnostics;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Rootfs;

namespace Sublet.Bench;

/// <summary>
/// Issue 11: rootfs preparation must cost the same for a 10-file and a 50,000-file image.
/// Times <see cref="RootfsBuilder.Prepare"/> (user namespace and host-users paths) for both images,
/// interleaved, and, as the baseline, the recursive copy + chown that a runtime without idmapped
/// mounts does to give a pod its own IDs.
/// </summary>
internal static class RootfsBench
{
    private const uint HostStart = 65536 * 5;
    private const int SmallFiles = 10;
    private const int LargeFiles = 50_000;

    public static int Run(Options o, CancellationToken ct)
    {
        using var scratch = new Scratch(o.Storage);
        UserNamespaceChild? child = null;
        try
        {
            Console.WriteLine($"storage: {scratch.Describe()} at {scratch.Storage}");
            var store = new ImageStore(Path.Combine(scratch.Storage, "images"));
            var layouts = Path.Combine(scratch.Storage, "layouts");
            var small = BuildAndLoad(store, Path.Combine(layouts, "small"), "localhost/bench:small", SmallFiles);
            ct.ThrowIfCancellationRequested();
            var large = BuildAndLoad(store, Path.Combine(layouts, "large"), "localhost/bench:large", LargeFiles);
            Directory.Delete(layouts, recursive: true);
            ct.ThrowIfCancellationRequested();

            var range = new IdRange(HostStart, 65536);
            child = new UserNamespaceChild(range);
            Console.WriteLine($"user namespace: {child.NamespacePath} (uid_map/gid_map \"0 {range.Start} {range.Length}\")");

            var mounter = new TimingMounter(new LinuxMounter());
            var builder = new RootfsBuilder(mounter);
            var runs = Path.Combine(scratch.Storage, "runs");
            Directory.CreateDirectory(runs);
            var n = 0;

            var cases = new[]
            {
                new Case("userns, 10 files", store.LayerPaths(small), true),
                new Case("userns, 50,000 files", store.LayerPaths(large), true),
                new Case("host users, 10 files", store.LayerPaths(small), false),
                new Case("host users, 50,000 files", store.LayerPaths(large), false),
            };

            TimeSpan Once(Case c, bool verify)
            {
                ct.ThrowIfCancellationRequested();
                var dir = Path.Combine(runs, $"r{n++}");
                Directory.CreateDirectory(dir);
                var request = new RootfsRequest(store.LayersRoot, c.Layers, Path.Combine(dir, "rootfs"), Path.Combine(dir, "idmap"), Path.Combine(dir, "c"));
                mounter.Reset();
                var sw = Stopwatch.StartNew();
                builder.Prepare(request, c.Userns ? range : null, c.Userns ? child.Open : null);
                sw.Stop();
                if (c.Userns) c.Phases.Record(mounter, sw.Elapsed);
                try
                {
                    if (verify) Verify(c, request.MountPoint, range);
                }
                finally
                {
                    mounter.Inner.Unmount(request.MountPoint);
                    scratch.UnmountBelow(dir);
                    Directory.Delete(dir, recursive: true);
                }
                return sw.Elapsed;
            }

            for (var w = 0; w < o.Warmup; w++)
            {
                foreach (var c in cases) Once(c, verify: w == 0);
            }
            foreach (var c in cases) c.Phases.Clear();
            Console.WriteLine($"warm-up: {o.Warmup} rounds; measuring {o.Rounds} rounds, order per round: {string.Join(", ", cases.Select(c => c.Name))}");
            for (var r = 0; r < o.Rounds; r++)
            {
                foreach (var c in cases) c.Times.Add(Once(c, verify: false));
            }

            // Baseline: what giving a pod its own IDs costs without idmapped mounts.
            var copySmall = new Series("cp -a + chown -R, 10 files");
            var copyLarge = new Series("cp -a + chown -R, 50,000 files");
            var cpOnly = new Series("  of which cp -a, 50,000 files");
            var chownOnly = new Series("  of which chown -hR, 50,000 files");
            for (var r = 0; r < o.BaselineRounds; r++)
            {
                foreach (var (layers, series) in new[] { (store.LayerPaths(small), copySmall), (store.LayerPaths(large), copyLarge) })
                {
                    ct.ThrowIfCancellationRequested();
                    var dst = Path.Combine(scratch.Storage, "copy");
                    var cp = Shell.Ok("cp", "-a", layers[0], dst).Elapsed;
                    var chown = Shell.Ok("chown", "-hR", $"{HostStart}:{HostStart}", dst).Elapsed;
                    series.Add(cp + chown);
                    if (series == copyLarge)
                    {
                        cpOnly.Add(cp);
                        chownOnly.Add(chown);
                    }
                    Shell.Ok("rm", "-rf", dst);
                }
            }

            Series.PrintTable("RootfsBuilder.Prepare", cases.Select(c => c.Times));
            Console.WriteLine();
            Console.WriteLine("| path | large/small ratio of medians |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine($"| userns (idmapped bind + overlay) | {Series.Ratio(cases[1].Times.Median, cases[0].Times.Median)} |");
            Console.WriteLine($"| host users (overlay only) | {Series.Ratio(cases[3].Times.Median, cases[2].Times.Median)} |");
            Series.PrintTable("Where the userns path's time goes (medians over the rounds)", cases.Take(2).SelectMany(c => c.Phases.All(c.Name)));
            Series.PrintTable($"Baseline: recursive copy + chown ({o.BaselineRounds} rounds)", [copySmall, copyLarge, cpOnly, chownOnly]);
            Console.WriteLine();
            Console.WriteLine($"copy+chown of 50,000 files / userns Prepare of 50,000 files (medians): {Series.Ratio(copyLarge.Median, cases[1].Times.Median)}x");
            return 0;
        }
        finally
        {
            child?.Dispose();
        }
    }

    private static ImageRecord BuildAndLoad(ImageStore store, string layout, string reference, int files)
    {
        var sw = Stopwatch.StartNew();
        OciLayoutWriter.Write(layout, reference, files);
        var written = sw.Elapsed;
        sw.Restart();
        var image = store.Load(layout).Single();
        Console.WriteLine($"image {reference}: {files} files, layout written in {written.TotalMilliseconds:F0} ms, ImageStore.Load (unpack) in {sw.Elapsed.TotalMilliseconds:F0} ms, {image.LayerIds.Count} layer");
        return image;
    }

    private static void Verify(Case c, string rootfs, IdRange range)
    {
        // Through the idmapped lower, files owned by 0 in the layer show up as the pod's host root.
        var file = Directory.EnumerateFiles(rootfs, "*", SearchOption.AllDirectories).First();
        var owner = Shell.Ok("stat", "-c", "%u:%g", file).Stdout.Trim();
        var expected = c.Userns ? $"{range.Start}:{range.Start}" : "0:0";
        if (owner != expected) throw new InvalidOperationException($"{c.Name}: {file} is owned by {owner}, expected {expected}");
        var count = Directory.EnumerateFiles(rootfs, "*", SearchOption.AllDirectories).Count();
        Console.WriteLine($"check {c.Name}: {count} files in the rootfs, {Path.GetRelativePath(rootfs, file)} owned by {owner}");
    }

    private sealed class Case(string name, IReadOnlyList<string> layers, bool userns)
    {
        public string Name { get; } = name;
        public IReadOnlyList<string> Layers { get; } = layers;
        public bool Userns { get; } = userns;
        public Series Times { get; } = new(name);
        public Phases Phases { get; } = new();
    }

    private sealed class Phases
    {
        private readonly List<(double Idmap, double Overlay, double Unmount, double Other)> _rows = [];

        public void Record(TimingMounter m, TimeSpan total) =>
            _rows.Add((m.Idmap.TotalMilliseconds, m.Overlay.TotalMilliseconds, m.Unmounts.TotalMilliseconds,
                (total - m.Idmap - m.Overlay - m.Unmounts).TotalMilliseconds));

        public void Clear() => _rows.Clear();

        public IEnumerable<Series> All(string name)
        {
            var idmap = new Series($"{name}: open_tree+mount_setattr+move_mount");
            var overlay = new Series($"{name}: mount overlay");
            var unmount = new Series($"{name}: detach idmapped bind");
            var rest = new Series($"{name}: mkdir, chown, ns fd, rmdir");
            foreach (var r in _rows)
            {
                idmap.AddMs(r.Idmap);
                overlay.AddMs(r.Overlay);
                unmount.AddMs(r.Unmount);
                rest.AddMs(r.Other);
            }
            return [idmap, overlay, unmount, rest];
        }
    }
}

/// <summary>An <see cref="IMounter"/> that times each call of the real one.</summary>
internal sealed class TimingMounter(IMounter inner) : IMounter
{
    public IMounter Inner { get; } = inner;
    public TimeSpan Idmap { get; private set; }
    public TimeSpan Overlay { get; private set; }
    public TimeSpan Unmounts { get; private set; }

    public void Reset() => Idmap = Overlay = Unmounts = TimeSpan.Zero;

    public void MountIdmapped(string source, string target, SafeFd userNamespace, bool readOnly, Propagation propagation = Propagation.Private)
    {
        var sw = Stopwatch.StartNew();
        Inner.MountIdmapped(source, target, userNamespace, readOnly, propagation);
        Idmap += sw.Elapsed;
    }

    public void MountTmpfs(string target, string options, bool noSuid = true) => Inner.MountTmpfs(target, options, noSuid);

    public void MountOverlay(string target, IReadOnlyList<string> lowerDirsTopFirst, string upperDir, string workDir, bool noDev)
    {
        var sw = Stopwatch.StartNew();
        Inner.MountOverlay(target, lowerDirsTopFirst, upperDir, workDir, noDev);
        Overlay += sw.Elapsed;
    }

    public void Unmount(string target)
    {
        var sw = Stopwatch.StartNew();
        Inner.Unmount(target);
        Unmounts += sw.Elapsed;
    }

    public IReadOnlyList<string> MountPointsUnder(string prefix) => Inner.MountPointsUnder(prefix);
}
