using System.Formats.Tar;
using Sublet.Linux.Files;

namespace Sublet.Images;

/// <summary>
/// The files of what <c>image load</c> was given, as a directory: either the user's directory
/// or an archive extracted into the store's temporary area. Every name an index or manifest.json
/// gives is resolved lexically inside that directory, never above it.
/// </summary>
internal sealed class ImageSource(string root, string displayName)
{
    public string Root => root;
    public string DisplayName => displayName;

    public bool Has(string relative) => System.IO.File.Exists(Path.Combine(root, relative));

    /// <summary>
    /// The path of a regular file named by the image's metadata; an error names it when missing,
    /// escaping or anything but a regular file: a FIFO in a layout directory would block the
    /// read for ever, a device node (/dev/zero) would never end (issue 19).
    /// </summary>
    public string File(string? relative, string what)
    {
        var components = relative is null ? null : LayerPath.Clean(relative);
        if (components is null || components.Count == 0)
            throw new ImageException($"{displayName}: {what} \"{relative}\" is not a path inside the archive");
        var path = LayerPath.Under(root, components);
        var kind = PathKinds.Of(path);
        if (kind == PathKind.Missing)
            throw new ImageException($"{displayName}: {what} \"{relative}\" is missing");
        if (kind != PathKind.Regular)
            throw new ImageException($"{displayName}: {what} \"{relative}\" is {PathKinds.Describe(kind)}, not a regular file");
        return path;
    }

    public string Blob(string digest, string what) => File("blobs/sha256/" + Digest.Hex(digest, what), what);

    /// <summary>
    /// Extracts a (possibly gzip- or zstd-compressed) tar of an OCI layout or a docker-save
    /// archive into <paramref name="target"/>. Only directories and regular files are written.
    /// Links are resolved afterwards to files of the same archive (docker save links repeated
    /// layer.tar files to one copy) and materialised as hard links; a link that leaves the
    /// archive is dropped, so whatever needed it is reported missing instead of being read from
    /// the host.
    /// </summary>
    public static ImageSource Extract(string archive, string target, CancellationToken ct)
    {
        Directory.CreateDirectory(target);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var stream = Compression.Open(System.IO.File.OpenRead(archive));
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry() is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                var components = LayerPath.Clean(entry.Name);
                if (components is null) throw new ImageException($"{archive}: entry \"{entry.Name}\": path escapes the archive");
                if (components.Count == 0) continue;
                var path = LayerPath.Under(target, components);
                var name = string.Join('/', components);
                links.Remove(name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(path);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                        entry.ExtractToFile(path, overwrite: true);
                        break;
                    case TarEntryType.SymbolicLink:
                        var joined = string.Join('/', components.Take(components.Count - 1)) + "/" + entry.LinkName;
                        if (!entry.LinkName.StartsWith('/') && LayerPath.Clean(joined) is { Count: > 0 } resolved)
                            links[name] = string.Join('/', resolved);
                        break;
                    case TarEntryType.HardLink:
                        if (LayerPath.Clean(entry.LinkName) is { Count: > 0 } source) links[name] = string.Join('/', source);
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ImageException($"{archive}: not a readable tar archive: {e.Message}", e);
        }
        Materialize(target, links);
        return new ImageSource(target, archive);
    }

    private static void Materialize(string target, Dictionary<string, string> links)
    {
        foreach (var (name, first) in links)
        {
            var source = first;
            for (var hops = 0; hops < 16 && links.TryGetValue(source, out var next); hops++) source = next;
            var sourcePath = Path.Combine(target, source);
            var linkPath = Path.Combine(target, name);
            if (!System.IO.File.Exists(sourcePath) || System.IO.File.Exists(linkPath) || Directory.Exists(linkPath)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(linkPath)!);
            Linux.Files.FileOps.Link(sourcePath, linkPath);
        }
    }
}
