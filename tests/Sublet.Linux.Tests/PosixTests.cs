using System.Diagnostics;
using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary>The small process calls against real processes of this test's own (no root needed).</summary>
public sealed class PosixTests
{
    [Fact]
    public void SignalExact_signals_only_the_process_that_started_at_the_recorded_time()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            var proc = new ProcFs();
            var start = proc.StartTime(child.Id)!.Value;
            var boot = proc.BootId();
            // Another start time: the pid names another process now, which must not be signalled.
            Assert.False(Posix.SignalExact(child.Id, start + 1, boot, Posix.SIGKILL, proc));
            // The same pid and start time recorded in another boot, or by a sublet that kept no boot id.
            Assert.False(Posix.SignalExact(child.Id, start, "00000000-0000-0000-0000-000000000000", Posix.SIGKILL, proc));
            Assert.False(Posix.SignalExact(child.Id, start, null, Posix.SIGKILL, proc));
            Assert.False(child.WaitForExit(200));
            Assert.True(Posix.SignalExact(child.Id, start, boot, Posix.SIGKILL, proc));
            Assert.True(child.WaitForExit(5000));
            // Ended and reaped: nothing to signal, and no error.
            Assert.False(Posix.SignalExact(child.Id, start, boot, Posix.SIGKILL, proc));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    [Fact]
    public void RandomBytes_fills_the_whole_buffer()
    {
        var a = new byte[64];
        var b = new byte[64];
        Posix.RandomBytes(a);
        Posix.RandomBytes(b);
        Assert.NotEqual(a, b);
        Assert.Contains(a, x => x != 0);
    }
}
