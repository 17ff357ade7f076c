namespace Sublet.Linux.Filesystems;

/// <summary>
/// Names for statfs(2) <c>f_type</c> values, from the man page's list and include/uapi/linux/magic.h
/// (plus NFS_SUPER_MAGIC and CIFS/SMB2 from their own headers). ext2, ext3 and ext4 share one magic.
/// </summary>
public static class FilesystemMagic
{
    private static readonly Dictionary<long, string> Names = new()
    {
        [0xadf5] = "adfs",
        [0xadff] = "affs",
        [0x5346414f] = "afs",
        [0x0187] = "autofs",
        [0xca451a4e] = "bcachefs",
        [0x42494e4d] = "binfmt_misc",
        [0x6c6f6f70] = "binder",
        [0xcafe4a11] = "bpf",
        [0x9123683e] = "btrfs",
        [0x27e0eb] = "cgroup",
        [0x63677270] = "cgroup2",
        [0xff534d42] = "cifs",
        [0x73757245] = "coda",
        [0x28cd3d45] = "cramfs",
        [0x64626720] = "debugfs",
        [0x1373] = "devfs",
        [0x1cd1] = "devpts",
        [0xf15f] = "ecryptfs",
        [0xde5e81e4] = "efivarfs",
        [0x00414a53] = "efs",
        [0xe0f5e1e2] = "erofs",
        [0xef53] = "ext2/ext3/ext4",
        [0x2011bab0] = "exfat",
        [0xf2f52010] = "f2fs",
        [0x65735546] = "fuse",
        [0x01161970] = "gfs2",
        [0xf995e849] = "hpfs",
        [0x958458f6] = "hugetlbfs",
        [0x9660] = "isofs",
        [0x72b6] = "jffs2",
        [0x3153464a] = "jfs",
        [0x137f] = "minix",
        [0x138f] = "minix",
        [0x2468] = "minix2",
        [0x2478] = "minix2",
        [0x4d5a] = "minix3",
        [0x19800202] = "mqueue",
        [0x4d44] = "vfat",
        [0x6969] = "nfs",
        [0x3434] = "nilfs2",
        [0x6e736673] = "nsfs",
        [0x5346544e] = "ntfs",
        [0x7461636f] = "ocfs2",
        [0x9fa1] = "openpromfs",
        [0x794c7630] = "overlay",
        [0x50495045] = "pipefs",
        [0x9fa0] = "proc",
        [0x6165676c] = "pstore",
        [0x002f] = "qnx4",
        [0x68191122] = "qnx6",
        [0x858458f6] = "ramfs",
        [0x52654973] = "reiserfs",
        [0x73636673] = "securityfs",
        [0xf97cff8c] = "selinuxfs",
        [0x43415d53] = "smackfs",
        [0x517b] = "smb",
        [0xfe534d42] = "smb2",
        [0x534f434b] = "sockfs",
        [0x73717368] = "squashfs",
        [0x62656572] = "sysfs",
        [0x01021994] = "tmpfs",
        [0x74726163] = "tracefs",
        [0x15013346] = "udf",
        [0x00011954] = "ufs",
        [0x9fa2] = "usbdevfs",
        [0x01021997] = "9p",
        [0xabba1974] = "xenfs",
        [0x58465342] = "xfs",
        [0x2fc12fc1] = "zfs",
        [0x5a4f4653] = "zonefs",
    };

    /// <summary>The filesystem's name, or <c>unknown (0x…)</c>. f_type is a signed long: a magic with the top bit set may arrive sign-extended.</summary>
    public static string Name(long magic)
    {
        var key = magic < 0 ? magic & 0xffffffffL : magic;
        return Names.TryGetValue(key, out var name) ? name : $"unknown (0x{key:x})";
    }
}
