using Sublet.IdMapping;
using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Linux.Processes;
using Sublet.Runtime.Rootfs;

namespace Sublet.Runtime.Tests;

/// <summary>Records mount calls in order; can be told to fail the overlay mount.</summary>
internal sealed class RecordingMounter : IMounter
{
    public List<string> Calls { get; } = [];
    public IReadOnlyList<string>? OverlayLowers { get; private set; }
    public bool FailOverlay { get; init; }

    public void MountIdmapped(string source, string target, SafeFd userNamespace, bool readOnly, Propagation propagation = Propagation.Private) =>
        Calls.Add($"idmap {source} -> {target}{(readOnly ? " ro" : " rw")}");

    public void MountOverlay(string target, IReadOnlyList<string> lowerDirsTopFirst, string upperDir, string workDir, bool noDev)
    {
        Calls.Add($"overlay {target} upper={upperDir} work={workDir}{(noDev ? " nodev" : "")}");
        OverlayLowers = lowerDirsTopFirst;
        if (FailOverlay)
        {
            throw new LinuxError("mount overlay", target, Errno.EINVAL);
        }
    }

    public void MountTmpfs(string target, string options, bool noSuid = true) => Calls.Add($"tmpfs {target} {options}" + (noSuid ? "" : " suid"));

    public void Unmount(string target) => Calls.Add($"umount {target}");

    public IReadOnlyList<string> MountPointsUnder(string prefix) => [];
}

public sealed class RootfsBuilderTests : IDisposable
{
    private static readonly IdRange PodRange = new(65536 * 5, 65536);
    private readonly TestDir _dir = new();
    private int _opened;

    public void Dispose() => _dir.Dispose();

    private RootfsRequest Request() => new(
        LayersRoot: _dir["layers"],
        LayerDirs: [_dir["layers/base"], _dir["layers/sha/mid"], _dir["layers/top"]],
        MountPoint: _dir["run/rootfs"],
        Staging: _dir["run/staging"],
        UpperParent: _dir["state/c"]);

    // An invalid handle: the fake mounter never uses it; disposing it is a no-op.
    private SafeFd OpenUserNamespace()
    {
        _opened++;
        return new SafeFd();
    }

    [Fact]
    public void Host_users_get_one_overlay_with_lowers_top_first_and_no_idmapped_mount()
    {
        var mounter = new RecordingMounter();
        new RootfsBuilder(mounter).Prepare(Request(), userns: null, OpenUserNamespace);

        Assert.Equal([$"overlay {_dir["run/rootfs"]} upper={_dir["state/c/upper"]} work={_dir["state/c/work"]}"], mounter.Calls);
        Assert.Equal([_dir["layers/top"], _dir["layers/sha/mid"], _dir["layers/base"]], mounter.OverlayLowers!);
        Assert.Equal(0, _opened);
        Assert.True(Directory.Exists(_dir["run/rootfs"]));
        Assert.False(Directory.Exists(_dir["run/staging"]));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(_dir["state/c/upper"]));
    }

    // chown(2) to the pod's host root needs CAP_CHOWN. As root (here and in CI) the whole userns
    // path runs; otherwise the test checks that Prepare stops at the chown, before any mount.
    [Fact]
    public void User_namespace_gets_one_readonly_idmapped_bind_then_overlay_over_it_then_the_bind_is_gone()
    {
        var mounter = new RecordingMounter();
        var builder = new RootfsBuilder(mounter);
        if (!Posix.IsRoot)
        {
            var e = Assert.Throws<LinuxError>(() => builder.Prepare(Request(), PodRange, OpenUserNamespace));
            Assert.Equal("chown", e.Operation);
            Assert.Empty(mounter.Calls);
            return;
        }

        builder.Prepare(Request(), PodRange, OpenUserNamespace);

        var staging = _dir["run/staging"];
        Assert.Equal(
            [
                $"idmap {_dir["layers"]} -> {staging} ro",
                $"overlay {_dir["run/rootfs"]} upper={_dir["state/c/upper"]} work={_dir["state/c/work"]} nodev",
                $"umount {staging}",
            ],
            mounter.Calls);
        // Nested layer directories keep their path relative to LayersRoot.
        Assert.Equal([Path.Combine(staging, "top"), Path.Combine(staging, "sha", "mid"), Path.Combine(staging, "base")], mounter.OverlayLowers!);
        Assert.Equal(1, _opened);
        Assert.False(Directory.Exists(staging));
        AssertOwnedByPodRoot(_dir["state/c/upper"]);
        AssertOwnedByPodRoot(_dir["state/c/work"]);
    }

    [Fact]
    public void Chown_copies_for_a_user_namespace_get_a_nodev_overlay_too()
    {
        var mounter = new RecordingMounter();
        var builder = new RootfsBuilder(mounter);
        if (!Posix.IsRoot)
        {
            Assert.Equal("chown", Assert.Throws<LinuxError>(() => builder.Prepare(Request(), PodRange, openUserNamespace: null)).Operation);
            return;
        }

        builder.Prepare(Request(), PodRange, openUserNamespace: null);

        Assert.Equal([$"overlay {_dir["run/rootfs"]} upper={_dir["state/c/upper"]} work={_dir["state/c/work"]} nodev"], mounter.Calls);
        Assert.Equal(0, _opened);
    }

    [Fact]
    public void A_failing_overlay_still_unmounts_and_removes_the_staging_bind()
    {
        var mounter = new RecordingMounter { FailOverlay = true };
        var builder = new RootfsBuilder(mounter);
        if (!Posix.IsRoot)
        {
            Assert.Equal("chown", Assert.Throws<LinuxError>(() => builder.Prepare(Request(), PodRange, OpenUserNamespace)).Operation);
            Assert.Empty(mounter.Calls);
            return;
        }

        var e = Assert.Throws<LinuxError>(() => builder.Prepare(Request(), PodRange, OpenUserNamespace));

        Assert.Equal("mount overlay", e.Operation);
        Assert.Equal($"umount {_dir["run/staging"]}", mounter.Calls[^1]);
        Assert.False(Directory.Exists(_dir["run/staging"]));
    }

    private static void AssertOwnedByPodRoot(string path)
    {
        // stat(1) keeps the test free of P/Invoke; coreutils is on every machine that runs Sublet.
        var result = new ProcessRunner().Run("stat", ["-c", "%u:%g", path]);
        Assert.Equal($"{PodRange.Start}:{PodRange.Start}", result.Stdout.Trim());
    }
}
