using System.Diagnostics;
using Sublet.Linux.Namespaces;

namespace Sublet.Integration.Tests;

/// <summary>
/// What a pod's teardown ends: every process in the pod's pinned user namespace (network namespace
/// for host users), found by the namespace's identity, never one outside it.
/// </summary>
public sealed class NamespaceMembersTests
{
    [Fact]
    public void KillMembers_ends_every_process_in_the_pinned_user_namespace_and_no_other()
    {
        var dir = Directory.CreateTempSubdirectory("sublet-nsm-").FullName;
        var namespaces = new UnsharePodNamespaces();
        var start = (uint)(65536L * (20000 + Random.Shared.Next(0, 40000)));
        using var outsider = Process.Start("sleep", "600");
        var members = new List<Process>();
        try
        {
            var pinned = namespaces.Create(dir, start, 65536);
            // Two processes joined to the pod's namespaces, as a runc init that outlived its runc would be.
            for (var i = 0; i < 2; i++)
            {
                members.Add(Process.Start("nsenter", [$"--user={pinned.User}", $"--net={pinned.Net}", "--", "sleep", "600"]));
            }
            var identity = NamespaceMembers.Identity(pinned.User!, "user");
            Assert.StartsWith("user:[", identity);
            WaitUntil(() => members.All(m => Link(m.Id) == identity), () => $"{identity} vs {string.Join(", ", members.Select(m => $"{m.Id}: {Link(m.Id)} exited={m.HasExited}"))}");

            var left = namespaces.KillMembers(dir, TimeSpan.FromSeconds(5));

            Assert.Empty(left);
            Assert.All(members, m => Assert.True(m.WaitForExit(5000), $"pid {m.Id} still runs"));
            Assert.False(outsider.HasExited, "a process outside the pod's namespace was killed");
        }
        finally
        {
            foreach (var m in members.Where(m => !m.HasExited))
            {
                m.Kill();
            }
            outsider.Kill();
            namespaces.Remove(dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void KillMembers_with_nothing_pinned_ends_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("sublet-nsm-").FullName;
        try
        {
            Assert.Empty(new UnsharePodNamespaces().KillMembers(dir, TimeSpan.FromSeconds(1)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? Link(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/user").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void WaitUntil(Func<bool> done, Func<string> what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the processes did not join the pod's namespaces: {what()}");
            Thread.Sleep(20);
        }
    }
}
