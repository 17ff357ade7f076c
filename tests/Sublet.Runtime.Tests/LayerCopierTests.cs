using Sublet.IdMapping;
using Sublet.Linux.Files;
using Sublet.Runtime.Rootfs;

namespace Sublet.Runtime.Tests;

/// <summary>
/// The real file calls, except the ones that need root: lchown, mknod and trusted./security.
/// xattrs are recorded instead (a device is stood in for by an empty file).
/// </summary>
internal sealed class RecordingLayerFiles : ILayerFiles
{
    private readonly LinuxLayerFiles _real = new();
    public Dictionary<string, (uint Uid, uint Gid)> Owners { get; } = [];
    public List<string> Nodes { get; } = [];
    public Dictionary<string, byte[]> PrivilegedXattrs { get; } = [];
    public Dictionary<string, List<KeyValuePair<string, byte[]>>> ExtraSourceXattrs { get; } = [];

    public FileStatus Lstat(string path) => _real.Lstat(path);
    public IReadOnlyList<string> Names(string directory) => _real.Names(directory);
    public string ReadLink(string path) => _real.ReadLink(path);
    public IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs(string path) => [.. _real.Xattrs(path), .. ExtraSourceXattrs.GetValueOrDefault(path) ?? []];
    public void CreateDirectory(string path) => _real.CreateDirectory(path);
    public void CopyContents(string source, string target) => _real.CopyContents(source, target);
    public void Symlink(string path, string target) => _real.Symlink(path, target);
    public void HardLink(string existing, string path) => _real.HardLink(existing, path);
    public void Chmod(string path, uint mode) => _real.Chmod(path, mode);
    public void SetMtime(string path, DateTimeOffset mtime) => _real.SetMtime(path, mtime);

    public void MakeNode(string path, FileStatus like)
    {
        Nodes.Add(path);
        File.WriteAllBytes(path, []);
    }

    public void Lchown(string path, uint uid, uint gid) => Owners[path] = (uid, gid);

    public void SetXattr(string path, string name, byte[] value)
    {
        if (name.StartsWith("user.", StringComparison.Ordinal)) _real.SetXattr(path, name, value);
        else PrivilegedXattrs[$"{path} {name}"] = value;
    }
}

public sealed class LayerCopierTests : IDisposable
{
    private const uint H = 65536 * 3;
    private static readonly IdRange Range = new(H, 65536);
    private readonly TestDir _dir = new();
    private readonly RecordingLayerFiles _files = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A layer as the unpacker leaves it: <c>layers/&lt;id&gt;/fs</c>, with every kind of entry an attacker may put in one.</summary>
    private string Layer(string id = "abc")
    {
        var fs = _dir[$"layers/{id}/fs"];
        _dir.Write($"layers/{id}/fs/bin/tool", "tool");
        File.SetUnixFileMode(_dir[$"layers/{id}/fs/bin/tool"], (UnixFileMode)0xded); // 06755
        FileOps.Link(_dir[$"layers/{id}/fs/bin/tool"], _dir[$"layers/{id}/fs/bin/tool-again"]);
        File.CreateSymbolicLink(_dir[$"layers/{id}/fs/escape"], "/");
        File.CreateSymbolicLink(_dir[$"layers/{id}/fs/bin/passwd"], "../../../../etc/passwd");
        Directory.CreateDirectory(_dir[$"layers/{id}/fs/tmp"]);
        File.SetUnixFileMode(_dir[$"layers/{id}/fs/tmp"], (UnixFileMode)0x3ff); // 01777
        _dir.Write($"layers/{id}/fs/etc/.wh-stand-in", "");
        return fs;
    }

    [Fact]
    public void Every_entry_is_copied_with_its_owner_shifted_and_its_mode_kept()
    {
        var layer = Layer();
        var target = _dir["copy"];
        var me = FileStatus.Of(layer).Uid;

        var report = new LayerCopier(_files).Copy(layer, target, new IdShift(Range));

        Assert.Equal(9, report.Entries); // fs, bin, passwd, tool, tool-again, escape, etc, the stand-in, tmp — and nothing from "/"
        Assert.Equal("tool", File.ReadAllText(Path.Combine(target, "bin/tool")));
        Assert.Equal(0xdedu, FileStatus.Of(Path.Combine(target, "bin/tool")).Mode);
        Assert.Equal(0x3ffu, FileStatus.Of(Path.Combine(target, "tmp")).Mode);
        var expected = new IdShift(Range).Map(me);
        foreach (var path in new[] { "", "bin", "bin/tool", "bin/passwd", "escape", "tmp", "etc", "etc/.wh-stand-in" })
        {
            Assert.Equal((expected, expected), _files.Owners[Path.Combine(target, path).TrimEnd('/')]);
        }
    }

    [Fact]
    public void Symlinks_are_recreated_never_followed_and_hard_links_stay_one_inode()
    {
        var layer = Layer();
        var target = _dir["copy"];

        new LayerCopier(_files).Copy(layer, target, new IdShift(Range));

        Assert.Equal("/", new FileInfo(Path.Combine(target, "escape")).LinkTarget);
        Assert.Equal("../../../../etc/passwd", new FileInfo(Path.Combine(target, "bin/passwd")).LinkTarget);
        Assert.Equal(PathKind.Symlink, FileStatus.Of(Path.Combine(target, "escape")).Kind);
        Assert.Equal(FileStatus.Of(Path.Combine(target, "bin/tool")).Inode, FileStatus.Of(Path.Combine(target, "bin/tool-again")).Inode);
        Assert.False(_files.Owners.ContainsKey(Path.Combine(target, "bin/tool-again")), "a hard link shares the first copy's owner");
        Assert.DoesNotContain(_files.Owners.Keys, p => !p.StartsWith(target, StringComparison.Ordinal));
    }

    [Fact]
    public void Capabilities_are_rewritten_and_unmappable_ones_reported()
    {
        var layer = Layer();
        var tool = Path.Combine(layer, "bin/tool");
        var v3Outside = new byte[24];
        v3Outside[3] = 3;
        BitConverter.TryWriteBytes(v3Outside.AsSpan(20), 70000u);
        _files.ExtraSourceXattrs[tool] = [new(FileCapability.Xattr, v3Outside)];
        _files.ExtraSourceXattrs[Path.Combine(layer, "etc")] = [new("trusted.overlay.opaque", "y"u8.ToArray())];

        var report = new LayerCopier(_files).Copy(layer, _dir["copy"], new IdShift(Range));

        Assert.Equal("y"u8.ToArray(), _files.PrivilegedXattrs[$"{_dir["copy/etc"]} trusted.overlay.opaque"]);
        Assert.False(_files.PrivilegedXattrs.ContainsKey($"{_dir["copy/bin/tool"]} {FileCapability.Xattr}"));
        Assert.Contains(report.Dropped, d => d.StartsWith("bin/tool: security.capability: root ID 70000", StringComparison.Ordinal));
    }

    [Fact]
    public void Copies_are_made_once_per_layer_and_range_renamed_into_place_and_released_with_the_range()
    {
        var layer = Layer();
        var copies = new LayerCopies(_dir["state"], _files);
        var other = new IdRange(H + 65536, 65536);

        var first = copies.Ensure([layer], Range);
        var owners = _files.Owners.Count;
        var second = copies.Ensure([layer], Range);
        copies.Ensure([layer], other);

        Assert.Equal(_dir["state/layer-copies/196608-65536/abc/fs"], Assert.Single(first));
        Assert.Equal(first, second);
        Assert.Equal(owners * 2, _files.Owners.Count); // the second Ensure copied nothing, the other range everything
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["state/layer-copies/tmp"]));

        Directory.CreateDirectory(_dir["state/layer-copies/tmp/crashed"]); // what a killed copy leaves
        copies.Release([other]);
        Assert.Equal([copies.RangeDir(other)], copies.Ranges());
        Assert.False(Directory.Exists(_dir["state/layer-copies/tmp"]));
        copies.Release([]);
        Assert.Empty(copies.Ranges());
    }
}
