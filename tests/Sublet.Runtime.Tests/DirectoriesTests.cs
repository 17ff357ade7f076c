using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Tests;

public sealed class DirectoriesTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Removing_a_pod_directory_deletes_symlinks_planted_in_it_not_what_they_point_to()
    {
        var outside = _dir.Write("outside/keep.txt", "keep");
        var pod = _dir["pod"];
        Directory.CreateDirectory(Path.Combine(pod, "volumes", "work"));
        Directory.CreateSymbolicLink(Path.Combine(pod, "volumes", "work", "escape"), Path.GetDirectoryName(outside)!);
        File.CreateSymbolicLink(Path.Combine(pod, "volumes", "work", "file"), outside);

        Directories.Remove(pod);

        Assert.False(Directory.Exists(pod));
        Assert.Equal("keep", File.ReadAllText(outside));
    }
}
