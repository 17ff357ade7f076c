using System.Buffers.Binary;

namespace Sublet.Runtime.Rootfs;

/// <summary>
/// <c>security.capability</c> values (linux/capability.h: struct vfs_cap_data / vfs_ns_cap_data)
/// and how a chown copy rewrites them.
/// <para>
/// v1 (12 bytes) and v2 (20 bytes) carry no root ID: they mean "root of the filesystem's user
/// namespace", host ID 0 here. Through an idmapped layer the kernel maps that 0 through the mount's
/// idmap (security/commoncap.c get_vfs_caps_from_disk: make_vfsuid), so the pod sees the caps as
/// owned by its own root, host ID Start. v3 (24 bytes) names its root ID explicitly and gets the
/// same mapping. The copy therefore stores v3 with rootid = shift(rootid) — exactly the value the
/// kernel itself writes when the pod's root runs setcap (cap_convert_nscap). containers/storage
/// (drivers/chown_unix.go platformLChown) instead restores the original bytes after lchown; a v2
/// value then stays owned by host root, which every namespace honours, a wider grant than the
/// image gets through an idmapped mount.
/// </para>
/// A root ID outside the pod's range can't be mapped: the kernel ignores such caps through an
/// idmapped mount (rootid_owns_currentns), so the copy drops the attribute and says why.
/// </summary>
public static class FileCapability
{
    public const string Xattr = "security.capability";

    private const uint RevisionMask = 0xFF000000;
    private const uint Revision1 = 0x01000000, Revision2 = 0x02000000, Revision3 = 0x03000000;
    private const int Size1 = 12, Size2 = 20, Size3 = 24;

    /// <summary>The value to store in the copy, or null with <paramref name="dropped"/> saying why it is left out.</summary>
    public static byte[]? Shift(ReadOnlySpan<byte> value, IdShift shift, out string? dropped)
    {
        dropped = null;
        if (value.Length < 4)
        {
            dropped = $"{Xattr}: {value.Length} bytes is no capability set";
            return null;
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(value);
        var (revision, size) = (magic & RevisionMask) switch
        {
            Revision1 => (1, Size1),
            Revision2 => (2, Size2),
            Revision3 => (3, Size3),
            _ => (0, 0),
        };
        if (revision == 0 || value.Length != size)
        {
            dropped = $"{Xattr}: unknown revision 0x{magic & RevisionMask:x8} or size {value.Length}";
            return null;
        }
        var rootId = revision == 3 ? BinaryPrimitives.ReadUInt32LittleEndian(value[20..]) : 0u;
        if (!shift.Maps(rootId))
        {
            dropped = $"{Xattr}: root ID {rootId} is outside the pod's range of {shift.Range.Length} IDs, so the kernel would ignore these capabilities in the pod";
            return null;
        }
        var result = new byte[Size3];
        BinaryPrimitives.WriteUInt32LittleEndian(result, Revision3 | (magic & ~RevisionMask));
        // v1 holds one permitted/inheritable pair (32 capabilities); the upper pair stays zero.
        value[4..(revision == 1 ? Size1 : Size2)].CopyTo(result.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(20), shift.Map(rootId));
        return result;
    }
}
