using System.Diagnostics;
using System.Globalization;
using Sublet.Linux.Processes;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>Back-off waiters found by registration, not by reading every process's command line.</summary>
public sealed class SyncWaitersTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sublet-waiters-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private PodPaths Paths()
    {
        var paths = new PodPaths(Path.Combine(_root, "run"), Path.Combine(_root, "state"), "pod1");
        Directory.CreateDirectory(paths.StateDir);
        Directory.CreateDirectory(paths.RunDir);
        return paths;
    }

    private static string Registered(PodPaths paths) => Path.Combine(paths.RunDir, "waiters", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public void A_waiter_is_registered_until_it_ends()
    {
        var paths = Paths();
        var proc = new ProcFs();
        using (var registration = SyncWaiters.Register(paths, proc))
        {
            Assert.NotNull(registration);
            // Who registered, exactly: its start time and boot, for a pidfd kill that can't hit a reused PID.
            Assert.Equal((proc.StartTime(Environment.ProcessId)!.Value, proc.BootId()), SyncWaiters.Parse(File.ReadAllText(Registered(paths))));
        }
        Assert.False(File.Exists(Registered(paths)));
    }

    [Fact]
    public void A_waiter_of_a_pod_already_removed_does_not_make_its_run_directory_again()
    {
        var paths = Paths();
        Directory.Delete(paths.RunDir);
        Directory.Delete(paths.StateDir);
        Assert.Null(SyncWaiters.Register(paths, new ProcFs()));
        Assert.False(Directory.Exists(paths.RunDir));
    }

    [Fact]
    public void A_waiter_started_once_removal_has_begun_does_not_stay()
    {
        var paths = Paths();
        using var removal = PodLock.ForRemoval(paths, TimeSpan.FromSeconds(1));
        Assert.Null(SyncWaiters.Register(paths, new ProcFs()));
        Assert.False(File.Exists(Registered(paths)));
    }

    [Fact]
    public void Stop_kills_the_processes_that_registered_and_no_other_holding_a_registered_pid()
    {
        var paths = Paths();
        var proc = new ProcFs();
        using var waiter = Start("internal", "sync-pod", "pod1");
        using var stranger = Start("internal", "sync-pod", "pod1"); // its PID registered by a waiter that ended: another start time
        using var old = Start("internal", "sync-pod", "pod1"); // registered by an older binary: no start time
        var dir = Directory.CreateDirectory(Path.Combine(paths.RunDir, "waiters")).FullName;
        string Registration(Process p) => Path.Combine(dir, p.Id.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(Registration(waiter), $"{proc.StartTime(waiter.Id)} {proc.BootId()}\n");
        File.WriteAllText(Registration(stranger), $"{proc.StartTime(stranger.Id) - 1} {proc.BootId()}\n");
        File.WriteAllBytes(Registration(old), []);
        File.WriteAllBytes(Path.Combine(dir, "not-a-pid"), []);
        try
        {
            SyncWaiters.Stop(paths, proc);
            Assert.True(waiter.WaitForExit(5000));
            Assert.False(stranger.WaitForExit(200));
            Assert.False(old.HasExited);
        }
        finally
        {
            foreach (var p in new[] { waiter, stranger, old }.Where(p => !p.HasExited))
            {
                p.Kill();
                p.WaitForExit();
            }
        }
    }

    /// <summary>A process whose command line ends with <paramref name="args"/>: bash waiting in its read builtin, no child of its own.</summary>
    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in (string[])["-c", "read -t 60 x", "sh", .. args])
        {
            info.ArgumentList.Add(a);
        }
        return Process.Start(info)!;
    }
}
