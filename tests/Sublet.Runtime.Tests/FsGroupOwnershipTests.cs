using Sublet.Linux.Files;
using Sublet.Kubelet.Volumes;

namespace Sublet.Runtime.Tests;

public sealed class FsGroupOwnershipTests
{
    private static uint Octal(string s) => Convert.ToUInt32(s, 8);

    [Theory]
    [InlineData(PathKind.Regular, "644", false, "664")]
    [InlineData(PathKind.Regular, "600", true, "640")]
    [InlineData(PathKind.Regular, "4755", false, "4775")]
    [InlineData(PathKind.Directory, "755", false, "2775")]
    [InlineData(PathKind.Directory, "700", true, "2750")]
    public void Files_get_the_kubelet_masks_and_directories_setgid(PathKind kind, string mode, bool readOnly, string expected)
    {
        var change = FsGroupOwnership.Decide(kind, Octal(mode), 0, 2000, readOnly);
        Assert.Equal(2000u, change.Gid);
        Assert.Equal(Octal(expected), change.Mode);
    }

    [Fact]
    public void A_symlink_gets_the_group_but_no_chmod_and_a_file_that_fits_is_left_alone()
    {
        Assert.Equal(new OwnershipChange(2000, null), FsGroupOwnership.Decide(PathKind.Symlink, Octal("777"), 0, 2000, false));
        Assert.Equal(new OwnershipChange(null, null), FsGroupOwnership.Decide(PathKind.Regular, Octal("664"), 2000, 2000, false));
    }

    [Theory]
    [InlineData(PathKind.Directory, "2775", 2000u, false, true)]
    [InlineData(PathKind.Directory, "775", 2000u, false, false)]   // no setgid
    [InlineData(PathKind.Directory, "2750", 2000u, false, false)]  // group can't write
    [InlineData(PathKind.Directory, "2750", 2000u, true, true)]
    [InlineData(PathKind.Directory, "2777", 0u, false, false)]     // other group
    [InlineData(PathKind.Regular, "2777", 2000u, false, false)]    // a file root is always changed
    public void OnRootMismatch_skips_only_a_root_that_already_fits(PathKind kind, string mode, uint gid, bool readOnly, bool fits) =>
        Assert.Equal(fits, FsGroupOwnership.RootFits(kind, Octal(mode), gid, 2000, readOnly));
}
