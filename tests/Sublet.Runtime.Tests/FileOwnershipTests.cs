using Sublet.IdMapping;
using Sublet.Runtime.Audit;

namespace Sublet.Runtime.Tests;

public sealed class FileOwnershipTests
{
    private static readonly IdRange Range = new(1_000_000, 65536);

    [Theory]
    [InlineData(1_000_000u, 1_000_000u, false, true)]   // the pod's root, in its writable layer
    [InlineData(1_065_535u, 1_000_005u, false, true)]
    [InlineData(0u, 0u, false, false)]                  // host root's file in a writable layer: planted
    [InlineData(0u, 0u, true, true)]                    // an emptyDir written through the idmap stores container IDs
    [InlineData(1000u, 2000u, true, true)]
    [InlineData(70000u, 0u, true, false)]               // beyond the pod's length on disk
    [InlineData(1_065_536u, 1_000_000u, false, false)]  // just past the range
    public void Owners_are_explained_by_the_range_or_the_volumes_idmap(uint uid, uint gid, bool idmappedVolume, bool explained)
    {
        var finding = FileOwnership.Judge("default/p", Range, "/x", uid, gid, idmappedVolume);

        Assert.Equal(explained, finding is null);
        if (finding is not null)
        {
            Assert.Contains($"/x is owned by {uid}:{gid}", finding.Detail);
        }
    }
}
