using Sublet.Linux;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Tests;

namespace Sublet.Runtime.Tests;

/// <summary>The pod's cgroups on a fixture v1 tree: OOMKilled needs exit 137 and the kernel's count, removal takes the pod's parent.</summary>
public sealed class PodCgroupsTests
{
    [Theory]
    [InlineData(137, 1, true)]
    [InlineData(137, 0, false)]  // SIGKILL from elsewhere (down, kill)
    [InlineData(1, 1, false)]    // a child was OOM-killed but the container exited on its own
    [InlineData(0, 1, false)]
    public void OomKilled_is_exit_137_with_an_oom_kill_in_the_containers_cgroup(int exitCode, int kills, bool oomKilled)
    {
        using var dir = new TestDir();
        dir.Write("memory/sublet/podabc/abc-app/memory.oom_control", $"oom_kill_disable 0\nunder_oom 0\noom_kill {kills}\n");
        Assert.Equal(oomKilled, PodCgroups.OomKilled("abc", "abc-app", exitCode, new CgroupFs(dir.Path)));
    }

    [Fact]
    public void Remove_takes_the_pods_parent_from_every_hierarchy_and_no_other_pods()
    {
        using var dir = new TestDir();
        foreach (var h in new[] { "cpu", "cpuacct", "memory", "pids", "unified" })
        {
            Directory.CreateDirectory(dir[$"{h}/sublet/podabc/abc"]);
            Directory.CreateDirectory(dir[$"{h}/sublet/podabd/abd-app"]);
        }

        Assert.Empty(PodCgroups.Remove("abc", new CgroupFs(dir.Path)));
        Assert.Empty(Directory.GetDirectories(dir.Path, "podabc", SearchOption.AllDirectories));
        Assert.Equal(5, Directory.GetDirectories(dir.Path, "podabd", SearchOption.AllDirectories).Length);
    }
}
