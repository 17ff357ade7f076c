using Sublet.IdMapping;
using Sublet.Linux.Files;

namespace Sublet.Runtime.Rootfs;

/// <summary>
/// The chown-copy cache: <c>&lt;stateRoot&gt;/layer-copies/&lt;start&gt;-&lt;length&gt;/&lt;layer id&gt;/fs</c>,
/// one copy per (layer, ID range), shared by every container of every pod with that range.
/// <para>Crash safety: a copy is built in <c>tmp/</c> and renamed into place only when complete,
/// so a layer directory is never partial; what a crash leaves in <c>tmp/</c> is removed by the
/// next <see cref="Release"/>. One lock file serialises building and removing.</para>
/// <para>Lifetime: a range's copies are removed when the last pod holding that range goes
/// (<see cref="Release"/> from pod removal). podman keeps its ID-mapped layer copies until the
/// image goes; Sublet hands each pod its own range, so a kept copy would rarely be reused and
/// would cost the image's full size per pod that ever ran.</para>
/// </summary>
public sealed class LayerCopies
{
    public const string DirectoryName = "layer-copies";
    private const string TmpName = "tmp";
    private const string LockName = "lock";
    private readonly ILayerFiles _files;

    public LayerCopies(string stateRoot, ILayerFiles? files = null)
    {
        Root = Path.Combine(stateRoot, DirectoryName);
        _files = files ?? new LinuxLayerFiles();
    }

    public string Root { get; }

    public string RangeDir(IdRange range) => Path.Combine(Root, $"{range.Start}-{range.Length}");

    /// <summary>The copy of each layer for <paramref name="range"/>, bottom first, made where missing.</summary>
    /// <param name="layers">Unpacked layer directories (<c>…/layers/&lt;id&gt;/fs</c>), bottom first.</param>
    public IReadOnlyList<string> Ensure(IReadOnlyList<string> layers, IdRange range)
    {
        using var held = Lock();
        var rangeDir = RangeDir(range);
        Directory.CreateDirectory(rangeDir);
        return [.. layers.Select(layer => EnsureOne(layer, rangeDir, new IdShift(range)))];
    }

    private string EnsureOne(string layer, string rangeDir, IdShift shift)
    {
        var layerId = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(layer)))
            ?? throw new ArgumentException($"{layer}: not a layer directory", nameof(layer));
        var done = Path.Combine(rangeDir, layerId);
        var copy = Path.Combine(done, "fs");
        if (Directory.Exists(done))
        {
            return copy;
        }
        var staging = Path.Combine(Root, TmpName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var report = new LayerCopier(_files).Copy(layer, Path.Combine(staging, "fs"), shift);
            if (report.Dropped.Count > 0)
            {
                // Kept next to the copy, for an operator asking why a binary lost its capabilities.
                File.WriteAllLines(Path.Combine(staging, "dropped"), report.Dropped);
            }
            Directory.Move(staging, done); // rename(2): the copy appears complete or not at all
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
        return copy;
    }

    /// <summary>Removes the copies of every range no pod holds any more (<paramref name="inUse"/>), and any unfinished copy.</summary>
    public void Release(IEnumerable<IdRange> inUse)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }
        using var held = Lock();
        var keep = inUse.Select(RangeDir).ToHashSet(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(Root).ToList())
        {
            if (Path.GetFileName(dir) == TmpName || !keep.Contains(dir))
            {
                // Directory.Delete unlinks symlinks it meets instead of following them.
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Range directories present now (for tests and leftover checks).</summary>
    public IReadOnlyList<string> Ranges() =>
        Directory.Exists(Root) ? [.. Directory.EnumerateDirectories(Root).Where(d => Path.GetFileName(d) != TmpName)] : [];

    private IDisposable Lock()
    {
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return FileOps.LockFile(Path.Combine(Root, LockName), exclusive: true);
    }
}
