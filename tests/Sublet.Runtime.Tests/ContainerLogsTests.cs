using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;
using Sublet.Tests;

namespace Sublet.Runtime.Tests;

/// <summary>One log per attempt, as the kubelet keeps them: the current one and the one before.</summary>
public sealed class ContainerLogsTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly PodPaths _paths;

    public ContainerLogsTests() => _paths = new PodPaths(_dir["run"], _dir["state"], "p1");

    public void Dispose() => _dir.Dispose();

    private static ContainerRecord Attempt(int restarts) => new() { Id = "c", PodId = "p1", Name = "app", Image = "i", RestartCount = restarts };

    private string Log(int attempt, string text = "")
    {
        var path = _paths.LogPath("app", attempt);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_current_attempt_reads_its_own_file_and_the_previous_the_one_before()
    {
        var first = Log(0);
        var second = Log(1);

        Assert.EndsWith("/c/app/1.log", ContainerLogs.Current(_paths, Attempt(1)));
        Assert.Equal(second, ContainerLogs.Current(_paths, Attempt(1)));
        Assert.Equal(first, ContainerLogs.Previous(_paths, Attempt(1)));
        Assert.Null(ContainerLogs.Previous(_paths, Attempt(0)));
    }

    [Fact]
    public void A_pod_an_older_sublet_restarted_is_read_from_its_one_log()
    {
        var only = Log(0);

        Assert.Equal(only, ContainerLogs.Current(_paths, Attempt(4)));
        Assert.Null(ContainerLogs.Previous(_paths, Attempt(4)));
    }

    [Fact]
    public void A_new_attempt_keeps_the_previous_log_and_drops_older_ones_with_their_rotations()
    {
        Log(0);
        Log(1);
        Log(2);
        File.WriteAllText(_paths.LogPath("app", 0) + ".20261204-120000.gz", "");
        File.WriteAllText(_paths.LogPath("app", 1) + ".20261204-120000", "");
        File.WriteAllText(Path.Combine(_paths.KubeletContainerDir("app"), "termination-log"), "");

        ContainerLogs.Prune(_paths, "app", 3);

        Assert.Equal(["2.log", "termination-log"],
            Directory.GetFiles(_paths.KubeletContainerDir("app")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
