using System.Buffers.Binary;
using Sublet.IdMapping;
using Sublet.Linux.Files;
using Sublet.Linux.Filesystems;
using Sublet.Runtime.Config;
using Sublet.Runtime.Rootfs;

namespace Sublet.Runtime.Tests;

/// <summary>The pure decisions of the rootfs fallback: the ID shift, file capabilities, per-entry steps, and which path a pod gets.</summary>
public sealed class ChownCopyDecisionTests
{
    private const uint H = 65536 * 7;
    private static readonly IdShift Shift = new(new IdRange(H, 65536));
    private static readonly KernelVersion Kernel = new(6, 18);

    [Theory]
    [InlineData(0u, H)]
    [InlineData(1000u, H + 1000)]
    [InlineData(65535u, H + 65535)]
    [InlineData(65536u, IdShift.Overflow)] // outside the range: never into a neighbour's range
    [InlineData(uint.MaxValue, IdShift.Overflow)]
    public void Ids_move_into_the_range_and_others_become_the_overflow_id(uint id, uint host) =>
        Assert.Equal(host, Shift.Map(id));

    private static byte[] Cap(uint magic, int size, uint permitted, uint? rootId = null)
    {
        var value = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(value, magic);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(4), permitted);
        if (rootId is { } r) BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(20), r);
        return value;
    }

    [Theory]
    [InlineData(0x02000001u, 20, null, H)] // v2, effective: root of the filesystem = host 0 → the pod's root
    [InlineData(0x01000000u, 12, null, H)] // v1
    [InlineData(0x03000001u, 24, 0u, H)]
    [InlineData(0x03000000u, 24, 1000u, H + 1000)]
    public void Capabilities_become_v3_owned_by_the_shifted_root(uint magic, int size, uint? rootId, uint expectedRoot)
    {
        var shifted = FileCapability.Shift(Cap(magic, size, permitted: 0x2000, rootId), Shift, out var dropped);
        Assert.Null(dropped);
        Assert.NotNull(shifted);
        Assert.Equal(24, shifted.Length);
        Assert.Equal(0x03000000u | (magic & 1), BinaryPrimitives.ReadUInt32LittleEndian(shifted));
        Assert.Equal(0x2000u, BinaryPrimitives.ReadUInt32LittleEndian(shifted.AsSpan(4))); // CAP_NET_BIND_SERVICE stays
        Assert.Equal(expectedRoot, BinaryPrimitives.ReadUInt32LittleEndian(shifted.AsSpan(20)));
    }

    [Theory]
    [InlineData(0x03000000u, 24, 70000u, "root ID 70000 is outside the pod's range")]
    [InlineData(0x02000000u, 24, null, "unknown revision")]
    [InlineData(0x05000000u, 20, null, "unknown revision")]
    public void Capabilities_that_cant_be_mapped_are_dropped_with_the_reason(uint magic, int size, uint? rootId, string why)
    {
        Assert.Null(FileCapability.Shift(Cap(magic, size, 1, rootId), Shift, out var dropped));
        Assert.Contains(why, dropped);
    }

    private static FileStatus Entry(PathKind kind, uint uid = 0, uint gid = 0, uint mode = 0x1ed, uint links = 1) =>
        new(kind, mode, uid, gid, links, 42, (8, 1), (0, 0), DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_step_shifts_owners_keeps_setuid_and_rewrites_only_the_capability()
    {
        KeyValuePair<string, byte[]>[] xattrs = [new("trusted.overlay.opaque", "y"u8.ToArray()), new(FileCapability.Xattr, Cap(0x02000000, 20, 1))];
        var step = CopyPlanner.Plan(Entry(PathKind.Regular, uid: 0, gid: 50, mode: 0xded /* 06755 */), xattrs, Shift, firstCopy: null);
        Assert.Equal((CopyAction.File, H, H + 50, 0xdedu), (step.Action, step.Uid, step.Gid, step.Mode));
        Assert.Equal("y"u8.ToArray(), step.Xattrs.Single(x => x.Key == "trusted.overlay.opaque").Value);
        Assert.Equal(H, BinaryPrimitives.ReadUInt32LittleEndian(step.Xattrs.Single(x => x.Key == FileCapability.Xattr).Value.AsSpan(20)));
        Assert.Empty(step.Dropped);
    }

    [Fact]
    public void Setuid_and_setgid_go_when_their_owner_falls_outside_the_range()
    {
        var file = CopyPlanner.Plan(Entry(PathKind.Regular, uid: 70000, gid: 50, mode: 0xded /* 06755 */), [], Shift, firstCopy: null);
        Assert.Equal((IdShift.Overflow, H + 50, 0x5edu /* 02755 */), (file.Uid, file.Gid, file.Mode));
        var both = CopyPlanner.Plan(Entry(PathKind.Regular, uid: 70000, gid: 70000, mode: 0xded), [], Shift, firstCopy: null);
        Assert.Equal(0x1edu /* 0755 */, both.Mode);
        var dir = CopyPlanner.Plan(Entry(PathKind.Directory, uid: 70000, gid: 70000, mode: 0x5ed /* 02755 */), [], Shift, firstCopy: null);
        Assert.Equal(0x5edu, dir.Mode); // setgid on a directory only passes its group on
    }

    [Fact]
    public void A_second_name_of_an_inode_is_a_hard_link_to_the_first_copy_but_directories_never_are()
    {
        Assert.Equal((CopyAction.HardLink, "/t/a"), (CopyPlanner.Plan(Entry(PathKind.Regular, links: 2), [], Shift, "/t/a") is var s ? (s.Action, s.LinkTo) : default));
        Assert.Equal(CopyAction.Directory, CopyPlanner.Plan(Entry(PathKind.Directory, links: 3), [], Shift, "/t/a").Action);
        Assert.True(CopyPlanner.MayHaveOtherNames(Entry(PathKind.Regular, links: 2)));
        Assert.False(CopyPlanner.MayHaveOtherNames(Entry(PathKind.Directory, links: 2)));
    }

    [Theory]
    [InlineData(PathKind.CharDevice, CopyAction.Node)] // also overlayfs whiteouts (0/0)
    [InlineData(PathKind.BlockDevice, CopyAction.Node)]
    [InlineData(PathKind.Fifo, CopyAction.Node)]
    [InlineData(PathKind.Socket, CopyAction.Node)]
    [InlineData(PathKind.Symlink, CopyAction.Symlink)]
    public void Every_kind_of_entry_has_a_step(PathKind kind, CopyAction action) =>
        Assert.Equal(action, CopyPlanner.Plan(Entry(kind), [], Shift, null).Action);

    private static IdmapVerdict Ramfs => IdmapVerdict.From("/s/images/layers", "ramfs", Linux.Errno.EINVAL, Kernel);
    private static IdmapVerdict Ext4 => IdmapVerdict.From("/s/images/layers", "ext4", null, Kernel);

    [Theory]
    [InlineData(RootfsConfig.Idmap, false, true, RootfsKind.Layers, false)]
    [InlineData(RootfsConfig.ChownCopy, false, true, RootfsKind.Layers, false)]
    [InlineData(RootfsConfig.Idmap, true, true, RootfsKind.IdmappedLayers, false)]
    [InlineData(RootfsConfig.Idmap, true, false, RootfsKind.IdmappedLayers, true)]
    [InlineData(RootfsConfig.IdmapOrChownCopy, true, true, RootfsKind.IdmappedLayers, false)]
    [InlineData(RootfsConfig.IdmapOrChownCopy, true, false, RootfsKind.ChownCopy, false)]
    [InlineData(RootfsConfig.ChownCopy, true, true, RootfsKind.ChownCopy, false)]
    public void The_mode_and_the_layer_store_choose_the_path(string mode, bool userns, bool idmaps, RootfsKind kind, bool refused)
    {
        var choice = RootfsPlanner.Decide(mode, userns, idmaps ? Ext4 : Ramfs, "/s/images/layers", Kernel);
        Assert.Equal((kind, refused), (choice.Kind, choice.Refusal is not null));
    }

    [Fact]
    public void The_refusal_names_the_filesystem_the_path_and_the_ways_out()
    {
        Assert.Equal(
            "the image layers (/s/images/layers) are on ramfs, which can't be idmapped: a pod with hostUsers: false can't use them; "
            + "set rootfs.userNamespaceMode: idmapOrChownCopy in the node configuration to give such pods a chown copy of the layers, "
            + "or keep the image store (stateRoot/images) on another filesystem: ramfs can't be idmapped on any Linux release: use a local filesystem such as ext4, xfs or tmpfs",
            RootfsPlanner.Decide(RootfsConfig.Idmap, true, Ramfs, "/s/images/layers", Kernel).Refusal);
    }

    [Fact]
    public void Only_a_mode_that_depends_on_the_answer_probes()
    {
        var probes = 0;
        IdmapVerdict Probe(string path) { probes++; return Ramfs; }
        Assert.Equal(RootfsKind.ChownCopy, new RootfsPlanner(new RootfsConfig { UserNamespaceMode = RootfsConfig.ChownCopy }, "/l", Probe, Kernel).Choose(true).Kind);
        Assert.Equal(RootfsKind.Layers, new RootfsPlanner(new RootfsConfig(), "/l", Probe, Kernel).Choose(false).Kind);
        Assert.Equal(0, probes);
        Assert.Throws<Oci.PlanException>(() => new RootfsPlanner(new RootfsConfig(), "/l", Probe, Kernel).Check(true));
        Assert.Equal(1, probes);
    }
}
