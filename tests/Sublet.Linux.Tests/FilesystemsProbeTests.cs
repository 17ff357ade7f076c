using System.Globalization;
using Sublet.Linux.Filesystems;
using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary>
/// The real probes, as root on this host (kernel 6.18, root filesystem ext4): ext4 and tmpfs can be
/// idmapped, ramfs can't, overlayfs mounts over idmapped layers, and nothing is left mounted or running.
/// </summary>
public sealed class FilesystemsProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-probe-test-").FullName;
    private readonly IdmapSupport _support = IdmapSupport.ForThisHost();

    public void Dispose()
    {
        _support.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Ext4_can_be_idmapped()
    {
        RequireRoot();
        var verdict = _support.Check(_dir);
        Assert.Equal(FilesystemMagic.Name(0xef53), FilesystemMagic.Name(Filesystem.Of(_dir).Magic));
        Assert.Equal("ext4", verdict.Filesystem);
        Assert.True(verdict.Supported, verdict.Reason);
        Assert.Null(_support.VolumeError("data", $"hostPath {_dir}/new", Path.Combine(_dir, "new")));
        AssertNothingLeft();
    }

    [Fact]
    public void Tmpfs_can_be_idmapped_on_this_kernel()
    {
        RequireRoot();
        var verdict = _support.CheckTmpfs();
        Assert.Equal("tmpfs", verdict.Filesystem);
        Assert.True(verdict.Supported, verdict.Reason);
        Assert.False(Directory.Exists(verdict.Path));
        Assert.Same(verdict, _support.CheckTmpfs());
        AssertNothingLeft();
    }

    [Fact]
    public void Ramfs_cannot_be_idmapped_and_the_volume_error_names_it()
    {
        RequireRoot();
        using (var ramfs = ScratchMount.Create("ramfs", parent: _dir))
        {
            var fs = Filesystem.Of(ramfs.Path);
            Assert.Equal("ramfs", fs.Name);
            Assert.Equal(ramfs.Path, fs.MountPoint);
            var verdict = _support.Check(ramfs.Path);
            Assert.False(verdict.Supported);
            Assert.Equal(Errno.EINVAL, verdict.Errno);
            var data = Path.Combine(ramfs.Path, "x");
            Assert.Equal(
                $"volume \"data\" (hostPath {data}) is on ramfs, which can't be idmapped: a pod with hostUsers: false can't use it",
                _support.VolumeError("data", $"hostPath {data}", data));
        }
        AssertNothingLeft();
    }

    [Fact]
    public void Overlay_mounts_over_idmapped_layers()
    {
        RequireRoot();
        var verdict = _support.CheckOverlayOverIdmappedLayers(_dir);
        Assert.True(verdict.Supported, verdict.Reason);
        Assert.Equal("overlay over idmapped ext4", verdict.Filesystem);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
        AssertNothingLeft();
    }

    [Fact]
    public void The_user_namespace_helper_gives_a_new_namespace_and_leaves_no_process()
    {
        RequireRoot();
        using (var userns = new UnshareUserNamespaceFactory().Create(65536, 65536))
        {
            var target = new FileInfo($"/proc/self/fd/{userns.Fd.ToString(CultureInfo.InvariantCulture)}").LinkTarget;
            Assert.StartsWith("user:[", target, StringComparison.Ordinal);
            Assert.NotEqual(new FileInfo("/proc/self/ns/user").LinkTarget, target);
        }
        AssertNothingLeft();
    }

    [Theory]
    [InlineData("/nonexistent/unshare", "util-linux")]
    [InlineData("/bin/false", "exited with 1")]
    public void A_helper_that_cannot_make_a_namespace_says_why(string unshare, string expected)
    {
        var e = Assert.Throws<IOException>(() => new UnshareUserNamespaceFactory(unshare).Create(65536, 65536));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Empty(Children());
    }

    [Fact]
    public void Probes_are_cached_per_filesystem()
    {
        var probe = new CountingProbe();
        var factory = new CountingFactory();
        using var support = new IdmapSupport(new KernelVersion(6, 18), factory, probe);
        var other = Directory.CreateDirectory(Path.Combine(_dir, "other")).FullName;
        Assert.True(support.Check(_dir).Supported);
        Assert.True(support.Check(other).Supported);
        Assert.Equal(1, probe.Calls);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public void Supported_verdicts_are_kept_for_other_processes_of_the_same_boot_only()
    {
        var kept = Path.Combine(_dir, "verdicts");
        var probe = new CountingProbe();
        var factory = new CountingFactory();
        IdmapVerdict CheckWith(string bootId)
        {
            using var support = new IdmapSupport(new KernelVersion(6, 18), factory, probe, kept, bootId);
            return support.Check(_dir);
        }
        Assert.True(CheckWith("boot-a").Supported);
        Assert.True(CheckWith("boot-a").Supported);
        Assert.Equal(1, probe.Calls);
        Assert.Equal(1, factory.Calls); // no user namespace made for a kept verdict
        Assert.True(CheckWith("boot-b").Supported);
        Assert.Equal(2, probe.Calls);
    }

    [Fact]
    public void Refusals_are_probed_again_by_each_process()
    {
        var kept = Path.Combine(_dir, "verdicts");
        var probe = new CountingProbe { Error = new LinuxError("mount_setattr(MOUNT_ATTR_IDMAP)", _dir, Errno.EINVAL) };
        for (var i = 0; i < 2; i++)
        {
            using var support = new IdmapSupport(new KernelVersion(6, 18), new CountingFactory(), probe, kept, "boot-a");
            Assert.False(support.Check(_dir).Supported);
        }
        Assert.Equal(2, probe.Calls);
        Assert.False(Directory.Exists(kept) && Directory.EnumerateFileSystemEntries(kept).Any());
    }

    private static void RequireRoot() => Assert.True(Posix.IsRoot, "the idmap probes need root (./test.sh runs tests as root)");

    private void AssertNothingLeft()
    {
        Assert.Empty(Mounts(_dir));
        Assert.Empty(Children());
    }

    /// <summary>Mounts a probe could leave: under the test's directory, or a scratch tmpfs/ramfs or overlay probe anywhere.</summary>
    private static List<string> Mounts(string dir) => File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
        .Where(m => m.StartsWith(dir, StringComparison.Ordinal) || m.Contains("sublet-tmpfs-", StringComparison.Ordinal)
            || m.Contains("sublet-ramfs-", StringComparison.Ordinal) || m.Contains(".sublet-overlay-probe-", StringComparison.Ordinal))
        .ToList();

    /// <summary>Our unshare/sleep children, running or zombie (field 4 of /proc/PID/stat is the parent).</summary>
    private static List<string> Children()
    {
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var result = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var comm = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
                if (parent == self && comm is "unshare" or "sleep" or "false")
                {
                    result.Add($"{Path.GetFileName(dir)} {comm}");
                }
            }
            catch (IOException)
            {
                // gone meanwhile
            }
        }
        return result;
    }

    private sealed class CountingProbe : IIdmapProbe
    {
        public int Calls { get; private set; }

        public LinuxError? Error { get; init; }

        public LinuxError? TryIdmap(string path, SafeFd userNamespace)
        {
            Calls++;
            return Error;
        }

        public LinuxError? TryIdmappedOverlay(string parent, SafeFd userNamespace) => null;
    }

    private sealed class CountingFactory : IUserNamespaceFactory
    {
        public int Calls { get; private set; }

        public SafeFd Create(uint hostStart, uint length)
        {
            Calls++;
            return SafeFd.OpenReadOnly("/proc/self/ns/user");
        }
    }
}
