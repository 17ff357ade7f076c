using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Tests;

public sealed class ContainerViewsTests
{
    private static readonly DateTimeOffset Ended = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    private static ContainerEntry Entry(CtrState state, string? reason = null) => new()
    {
        Id = "c", SandboxId = "s", Config = new ContainerConfig { Name = "app", Image = "i" }, ImageId = "sha256:1", ImageRef = "i",
        LogPath = "/l", State = state, Reason = reason, Message = reason is null ? null : "runc start: boom",
    };

    [Theory]
    [InlineData(0, false, "Completed")]
    [InlineData(1, false, "Error")]
    [InlineData(137, false, "Error")]
    [InlineData(137, true, "OOMKilled")]
    public void An_exit_file_decides_the_reason(int code, bool oom, string reason)
    {
        var view = ContainerViews.Decide(Entry(CtrState.Running), new ProcessFacts(code, Ended, Alive: false, oom));

        Assert.Equal((CtrState.Exited, code, Ended, reason), (view.State, view.ExitCode!.Value, view.Finished!.Value, view.Reason));
    }

    [Fact]
    public void Running_while_the_process_lives_and_created_until_started()
    {
        Assert.Equal(CtrState.Running, ContainerViews.Decide(Entry(CtrState.Running), new ProcessFacts(null, null, true, false)).State);
        Assert.Equal(CtrState.Created, ContainerViews.Decide(Entry(CtrState.Created), new ProcessFacts(null, null, true, false)).State);
    }

    [Fact]
    public void A_process_gone_without_an_exit_status_is_an_error_that_says_so()
    {
        var view = ContainerViews.Decide(Entry(CtrState.Running), new ProcessFacts(null, null, false, false));

        Assert.Equal((CtrState.Exited, 255, "Error"), (view.State, view.ExitCode!.Value, view.Reason));
        Assert.Contains("no exit status was recorded", view.Message);
    }

    [Fact]
    public void A_failed_start_is_StartError_with_containerds_exit_code()
    {
        var view = ContainerViews.Decide(Entry(CtrState.Exited, "StartError"), new ProcessFacts(null, null, false, false));

        Assert.Equal((CtrState.Exited, 128, "StartError", "runc start: boom"), (view.State, view.ExitCode!.Value, view.Reason, view.Message));
    }
}
