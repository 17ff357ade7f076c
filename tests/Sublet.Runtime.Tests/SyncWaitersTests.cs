using System.Diagnostics;
using System.Globalization;
using Sublet.Linux.Processes;
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
        using (var registration = SyncWaiters.Register(paths))
        {
            Assert.NotNull(registration);
            Assert.True(File.Exists(Registered(paths)));
        }
        Assert.False(File.Exists(Registered(paths)));
    }

    [Fact]
    public void A_waiter_started_once_removal_has_begun_does_not_stay()
    {
        var paths = Paths();
        using var removal = PodLock.ForRemoval(paths, TimeSpan.FromSeconds(1));
        Assert.Null(SyncWaiters.Register(paths));
        Assert.False(File.Exists(Registered(paths)));
    }

    [Fact]
    public void Stop_kills_registered_waiters_of_this_pod_only()
    {
        var paths = Paths();
        using var waiter = Start("internal", "sync-pod", "pod1");
        using var stranger = Start("internal", "sync-pod", "pod2"); // a reused pid: another pod's waiter
        var dir = Directory.CreateDirectory(Path.Combine(paths.RunDir, "waiters")).FullName;
        foreach (var p in new[] { waiter, stranger })
        {
            File.WriteAllBytes(Path.Combine(dir, p.Id.ToString(CultureInfo.InvariantCulture)), []);
        }
        File.WriteAllBytes(Path.Combine(dir, "not-a-pid"), []);
        try
        {
            SyncWaiters.Stop(paths, "pod1", new ProcFs());
            Assert.True(waiter.WaitForExit(5000));
            Assert.False(stranger.WaitForExit(200));
        }
        finally
        {
            foreach (var p in new[] { waiter, stranger }.Where(p => !p.HasExited))
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
