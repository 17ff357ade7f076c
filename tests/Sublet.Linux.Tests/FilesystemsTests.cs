using Sublet.Linux.Filesystems;

namespace Sublet.Linux.Tests;

/// <summary>The pure parts of filesystem detection: magic names, kernel releases, requirements and messages.</summary>
public sealed class FilesystemsTests
{
    private static readonly KernelVersion Kernel618 = new(6, 18, 44);

    [Theory]
    [InlineData(0xef53L, "ext2/ext3/ext4")]
    [InlineData(0x01021994L, "tmpfs")]
    [InlineData(0x858458f6L, "ramfs")]
    [InlineData(0x58465342L, "xfs")]
    [InlineData(0x9123683eL, "btrfs")]
    [InlineData(0x794c7630L, "overlay")]
    [InlineData(0x6969L, "nfs")]
    [InlineData(0x65735546L, "fuse")]
    [InlineData(0x4d44L, "vfat")]
    [InlineData(0x12345L, "unknown (0x12345)")]
    public void Magic_names_follow_statfs2_and_magic_h(long magic, string name) => Assert.Equal(name, FilesystemMagic.Name(magic));

    [Fact]
    public void A_sign_extended_magic_still_has_its_name() =>
        Assert.Equal("ramfs", FilesystemMagic.Name(unchecked((int)0x858458f6)));

    [Theory]
    [InlineData("6.18.44-fc-v657", 6, 18, 44)]
    [InlineData("5.15.0-91-generic", 5, 15, 0)]
    [InlineData("6.3", 6, 3, 0)]
    [InlineData("6.8.0+", 6, 8, 0)]
    [InlineData("6.10-rc1", 6, 10, 0)]
    [InlineData("4.19.0-26-amd64\n", 4, 19, 0)]
    public void Kernel_releases_parse_to_their_numbers(string release, int major, int minor, int patch) =>
        Assert.Equal(new KernelVersion(major, minor, patch), KernelVersion.Parse(release.Trim()));

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("6")]
    [InlineData("6.x")]
    public void Text_without_major_and_minor_is_not_a_release(string release) =>
        Assert.Throws<FormatException>(() => KernelVersion.Parse(release));

    [Fact]
    public void Kernel_versions_compare_numerically()
    {
        Assert.True(new KernelVersion(6, 10) > new KernelVersion(6, 3));
        Assert.True(new KernelVersion(5, 19) < new KernelVersion(6, 0));
        Assert.True(new KernelVersion(6, 3, 1) >= IdmapRequirement.Tmpfs);
        Assert.True(new KernelVersion(6, 2, 99) < IdmapRequirement.Tmpfs);
        Assert.Equal("6.3", IdmapRequirement.Tmpfs.ToString());
        Assert.Equal("6.18.44", Kernel618.ToString());
    }

    [Fact]
    public void The_running_kernel_is_read_from_osrelease()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "6.1.0-13-amd64\n");
            Assert.Equal(new KernelVersion(6, 1), KernelVersion.Current(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("ext4", "5.12", false)]
    [InlineData("xfs", "5.12", false)]
    [InlineData("vfat", "5.12", false)]
    [InlineData("btrfs", "5.15", false)]
    [InlineData("tmpfs", "6.3", false)]
    [InlineData("nfs", null, true)]
    [InlineData("nfs4", null, true)]
    [InlineData("ramfs", null, true)]
    [InlineData("fuse.sshfs", null, false)]
    public void Requirements_follow_the_kernel_history(string fs, string? since, bool never)
    {
        var requirement = IdmapRequirement.For(fs);
        Assert.Equal(since, requirement.Since?.ToString());
        Assert.Equal(never, requirement.Never);
    }

    [Fact]
    public void The_ramfs_volume_error_is_the_issues_text()
    {
        var verdict = IdmapVerdict.From("/mnt/x", "ramfs", Errno.EINVAL, Kernel618);
        Assert.False(verdict.Supported);
        Assert.Equal(
            "volume \"data\" (hostPath /mnt/x) is on ramfs, which can't be idmapped: a pod with hostUsers: false can't use it",
            verdict.VolumeError("data", "hostPath /mnt/x", Kernel618));
        Assert.Contains("ramfs can't be idmapped on any Linux release", verdict.Needed, StringComparison.Ordinal);
        Assert.Contains("Invalid argument (errno 22)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_old_kernel_is_named_with_the_release_needed()
    {
        var old = new KernelVersion(6, 1, 55);
        var verdict = IdmapVerdict.From("/run/x", "tmpfs", Errno.EINVAL, old);
        Assert.Equal("Linux 6.3 or later (this is 6.1.55)", verdict.Needed);
        Assert.Equal(
            "volume \"cache\" (emptyDir, medium Memory) is on tmpfs, which can't be idmapped before Linux 6.3 (this is 6.1.55): a pod with hostUsers: false can't use it",
            verdict.VolumeError("cache", "emptyDir, medium Memory", old));
    }

    [Fact]
    public void An_unexplained_refusal_carries_its_errno()
    {
        var verdict = IdmapVerdict.From("/srv", "ext4", Errno.EPERM, Kernel618);
        Assert.Equal(Errno.EPERM, verdict.Errno);
        Assert.Equal(
            "volume \"srv\" (hostPath /srv) is on ext4, which can't be idmapped here (mount_setattr(MOUNT_ATTR_IDMAP) fails on ext4: Operation not permitted (errno 1)): a pod with hostUsers: false can't use it",
            verdict.VolumeError("srv", "hostPath /srv", Kernel618));
    }

    [Fact]
    public void A_supported_verdict_needs_nothing()
    {
        var verdict = IdmapVerdict.From("/var/lib/sublet", "ext4", null, Kernel618);
        Assert.True(verdict.Supported);
        Assert.Equal("", verdict.Needed);
        Assert.Null(verdict.Errno);
    }

    [Fact]
    public void Mountinfo_lines_give_id_mount_point_and_type_past_optional_fields()
    {
        const string text = """
            22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
            35 22 0:31 / /mnt/my\040data rw,relatime shared:14 master:2 - ramfs ramfs rw
            36 22 0:32 / /short rw - tmpfs
            garbage
            """;
        var entries = MountTable.Parse(text);
        Assert.Equal(2, entries.Count);
        Assert.Equal(new MountTableEntry(35, "/mnt/my data", "ramfs", "ramfs"), MountTable.Find(text, 35));
        Assert.Equal("ext4", MountTable.Find(text, 22)!.FsType);
        Assert.Null(MountTable.Find(text, 36));
    }

    [Fact]
    public void A_missing_path_is_judged_by_its_nearest_existing_parent()
    {
        var dir = Directory.CreateTempSubdirectory("sublet-fs-").FullName;
        try
        {
            Assert.Equal(dir, Filesystem.NearestExisting(Path.Combine(dir, "not", "yet")));
            Assert.Equal(dir, Filesystem.NearestExisting(dir));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
