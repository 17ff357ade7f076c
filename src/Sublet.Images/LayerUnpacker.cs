using System.Formats.Tar;
using System.Security.Cryptography;
using Sublet.Linux.Files;

namespace Sublet.Images;

/// <summary>
/// Unpacks one layer tar into an empty directory that only this process writes to (a fresh
/// staging directory under the store), converting OCI whiteouts to overlayfs form and keeping
/// owners, modes, times, devices, hard links and xattrs.
/// <para>Containment: every entry name is cleaned lexically (<see cref="LayerPath.Clean"/>), and
/// each parent component is checked with lstat before use: it must be a real directory, never a
/// symlink. Because nothing else writes to the staging directory and entries are applied one at a
/// time, a path checked this way cannot change before it is used, so plain path-based calls that
/// do not follow the last component (O_EXCL create, mkdir, symlink, linkat, mknod, lchown,
/// utimensat with AT_SYMLINK_NOFOLLOW) cannot reach outside the root. Symlinks are created as
/// the archive says and are never followed by us.</para>
/// </summary>
internal sealed class LayerUnpacker(string label, string root)
{
    private readonly List<(string Path, DateTimeOffset Mtime)> _directoryTimes = [];

    /// <summary>
    /// Reads the whole (already decompressed) tar stream, returning its sha256, which is the
    /// layer's DiffID (image-spec config.md "rootfs.diff_ids").
    /// </summary>
    public string Unpack(Stream tar, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var hashing = new HashingStream(tar, hash);
        using (var reader = new TarReader(hashing, leaveOpen: true))
        {
            while (ReadNext(reader) is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                Apply(entry);
            }
        }
        // The uncompressed digest covers the end-of-archive blocks and any padding after them.
        hashing.CopyTo(Stream.Null);
        // Children change their directory's mtime: set directory times last, deepest first.
        for (var i = _directoryTimes.Count - 1; i >= 0; i--)
            FileOps.Lutimes(_directoryTimes[i].Path, _directoryTimes[i].Mtime, _directoryTimes[i].Mtime);
        return Digest.FromHash(hash);
    }

    private TarEntry? ReadNext(TarReader reader)
    {
        try
        {
            return reader.GetNextEntry(copyData: false);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ImageException($"{label}: not a valid tar stream: {e.Message}", e);
        }
    }

    private void Apply(TarEntry entry)
    {
        var components = LayerPath.Clean(entry.Name) ?? throw Fail(entry, "path escapes the layer directory");
        var kind = Whiteout.Classify(components, out var target) ?? throw Fail(entry, "whiteout names no file (\".\" or \"..\")");
        switch (kind)
        {
            case WhiteoutKind.Reserved:
                return;
            case WhiteoutKind.Opaque:
                {
                    var directory = EnsureDirectory(entry, target);
                    FileOps.Lsetxattr(directory, Whiteout.OpaqueXattr, "y"u8);
                    return;
                }
            case WhiteoutKind.Whiteout:
                {
                    var path = Prepare(entry, target);
                    // layer.md: a whiteout only hides lower layers, never an entry of its own layer.
                    if (FileKinds.Of(path) != FileKind.Missing) return;
                    FileOps.Mknod(path, FileOps.S_IFCHR, 0, 0);
                    FileOps.Lchown(path, (uint)entry.Uid, (uint)entry.Gid);
                    return;
                }
        }
        if (components.Count == 0)
        {
            if (entry.EntryType != TarEntryType.Directory) throw Fail(entry, "only a directory may name the layer root");
            SetMetadata(entry, root, isDirectory: true);
            return;
        }
        Create(entry, components);
    }

    private void Create(TarEntry entry, IReadOnlyList<string> components)
    {
        var path = Prepare(entry, components);
        var existing = FileKinds.Of(path);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (existing != FileKind.Directory)
                {
                    Remove(path, existing);
                    Directory.CreateDirectory(path);
                }
                SetMetadata(entry, path, isDirectory: true);
                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Remove(path, existing);
                WriteFile(path, entry.DataStream);
                break;
            case TarEntryType.SymbolicLink:
                Remove(path, existing);
                File.CreateSymbolicLink(path, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                {
                    var source = HardLinkSource(entry);
                    if (source == path) return;
                    Remove(path, existing);
                    FileOps.Link(source, path);
                    return; // a hard link shares its source's inode and metadata
                }
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                Remove(path, existing);
                var type = entry.EntryType switch
                {
                    TarEntryType.CharacterDevice => FileOps.S_IFCHR,
                    TarEntryType.BlockDevice => FileOps.S_IFBLK,
                    _ => FileOps.S_IFIFO,
                };
                var device = (PosixTarEntry)entry;
                FileOps.Mknod(path, type | 0x1ff & (uint)entry.Mode, (uint)device.DeviceMajor, (uint)device.DeviceMinor);
                break;
            default:
                throw Fail(entry, $"unsupported tar entry type {entry.EntryType}");
        }
        SetMetadata(entry, path, isDirectory: false);
    }

    /// <summary>
    /// Makes sure every parent of <paramref name="components"/> is a real directory (creating
    /// missing ones root:root 0755, as containerd does) and returns the entry's full path.
    /// </summary>
    private string Prepare(TarEntry entry, IReadOnlyList<string> components)
    {
        var path = root;
        for (var i = 0; i < components.Count - 1; i++)
        {
            path = Path.Combine(path, components[i]);
            switch (FileKinds.Of(path))
            {
                case FileKind.Missing:
                    Directory.CreateDirectory(path);
                    break;
                case FileKind.Symlink:
                    throw Fail(entry, $"parent \"{string.Join('/', components.Take(i + 1))}\" is a symlink; refusing to follow it");
                case FileKind.Other:
                    throw Fail(entry, $"parent \"{string.Join('/', components.Take(i + 1))}\" is not a directory");
            }
        }
        return components.Count == 0 ? root : Path.Combine(path, components[^1]);
    }

    private string EnsureDirectory(TarEntry entry, IReadOnlyList<string> components)
    {
        var path = Prepare(entry, components);
        var kind = FileKinds.Of(path);
        if (kind == FileKind.Missing) Directory.CreateDirectory(path);
        else if (kind != FileKind.Directory) throw Fail(entry, "opaque marker inside something that is not a directory");
        return path;
    }

    /// <summary>
    /// A hard link's source is a path in the same layer (archive-relative, like entry names) that
    /// an earlier entry created: it must clean to a path inside the root, reached without any
    /// symlink, and already exist as a non-directory.
    /// </summary>
    private string HardLinkSource(TarEntry entry)
    {
        var components = LayerPath.Clean(entry.LinkName);
        if (components is null || components.Count == 0)
            throw Fail(entry, $"hard link target \"{entry.LinkName}\" escapes the layer directory");
        var path = root;
        for (var i = 0; i < components.Count; i++)
        {
            path = Path.Combine(path, components[i]);
            var kind = FileKinds.Of(path);
            var last = i == components.Count - 1;
            if (kind == FileKind.Missing) throw Fail(entry, $"hard link target \"{entry.LinkName}\" does not exist in the layer");
            if (!last && kind == FileKind.Symlink) throw Fail(entry, $"hard link target \"{entry.LinkName}\" passes through a symlink");
            if (!last && kind != FileKind.Directory) throw Fail(entry, $"hard link target \"{entry.LinkName}\" is not reachable");
            if (last && kind == FileKind.Directory) throw Fail(entry, $"hard link target \"{entry.LinkName}\" is a directory");
        }
        return path;
    }

    private static void Remove(string path, FileKind kind)
    {
        // Directory.Delete unlinks symlinks it meets instead of descending into them.
        if (kind == FileKind.Directory) Directory.Delete(path, recursive: true);
        else if (kind != FileKind.Missing) File.Delete(path);
    }

    private static void WriteFile(string path, Stream? data)
    {
        // CreateNew is O_CREAT|O_EXCL: it never follows a symlink at the last component.
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        data?.CopyTo(file);
    }

    /// <summary>
    /// Owner first, then mode: chown(2) clears setuid/setgid bits, so they are set afterwards.
    /// Symlinks have no mode of their own on Linux. Directory times wait until the end.
    /// </summary>
    private void SetMetadata(TarEntry entry, string path, bool isDirectory)
    {
        FileOps.Lchown(path, (uint)entry.Uid, (uint)entry.Gid);
        var isSymlink = entry.EntryType == TarEntryType.SymbolicLink;
        if (!isSymlink) File.SetUnixFileMode(path, entry.Mode);
        if (entry is PaxTarEntry pax) Xattrs.Apply(pax.ExtendedAttributes, path);
        if (isDirectory) _directoryTimes.Add((path, entry.ModificationTime));
        else FileOps.Lutimes(path, entry.ModificationTime, entry.ModificationTime);
    }

    private ImageException Fail(TarEntry entry, string why) => new($"{label}: entry \"{entry.Name}\": {why}");
}
