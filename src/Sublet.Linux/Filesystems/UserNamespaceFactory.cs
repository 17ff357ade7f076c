using System.Diagnostics;
using System.Globalization;

namespace Sublet.Linux.Filesystems;

/// <summary>Makes a user namespace that belongs to no pod, for mount_setattr(2) MOUNT_ATTR_IDMAP (probes, doctor).</summary>
public interface IUserNamespaceFactory
{
    /// <summary>A user namespace mapping IDs 0..<paramref name="length"/>-1 to host <paramref name="hostStart"/>.., held only by the returned descriptor.</summary>
    SafeFd Create(uint hostStart, uint length);
}

/// <summary>
/// DESIGN.md "A user namespace without a pod": .NET is multi-threaded, so it can't unshare(2)
/// CLONE_NEWUSER itself. A child <c>unshare -U sleep 600</c> (util-linux) makes the namespace;
/// as root (CAP_SETUID/CAP_SETGID in the parent namespace) we write its uid_map and gid_map
/// (user_namespaces(7) "Defining user and group ID mappings"), open /proc/PID/ns/user, then kill
/// and reap the child. The open descriptor keeps the namespace alive (namespaces(7)).
/// </summary>
public sealed class UnshareUserNamespaceFactory : IUserNamespaceFactory
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _unshare;

    public UnshareUserNamespaceFactory(string unshare = "unshare") => _unshare = unshare;

    /// <exception cref="IOException">unshare is missing, failed or hung; a map can't be written.</exception>
    public SafeFd Create(uint hostStart, uint length)
    {
        ArgumentOutOfRangeException.ThrowIfZero(length);
        var info = new ProcessStartInfo(_unshare, ["--user", "sleep", "600"])
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // not the caller's terminal
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var child = Start(info);
        try
        {
            var proc = $"/proc/{child.Id.ToString(CultureInfo.InvariantCulture)}";
            WaitForNewNamespace(child, proc);
            var line = string.Create(CultureInfo.InvariantCulture, $"0 {hostStart} {length}\n");
            // One write per map file, as user_namespaces(7) requires.
            File.WriteAllText($"{proc}/uid_map", line);
            File.WriteAllText($"{proc}/gid_map", line);
            return SafeFd.OpenReadOnly($"{proc}/ns/user");
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
            child.WaitForExit(); // reaps: no zombie left
        }
    }

    private Process Start(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info) ?? throw new IOException($"{_unshare} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"{_unshare} can't be started ({e.Message}): it comes with util-linux (apt-get install util-linux)", e);
        }
    }

    /// <summary>The child is ours only once unshare(2) has run: until then /proc/PID/ns/user is still our own namespace.</summary>
    private void WaitForNewNamespace(Process child, string proc)
    {
        var ours = new FileInfo("/proc/self/ns/user").LinkTarget;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (child.HasExited)
            {
                var stderr = child.StandardError.ReadToEnd().Trim();
                throw new IOException($"{_unshare} --user exited with {child.ExitCode}{(stderr.Length > 0 ? ": " + stderr : "")}");
            }
            string? theirs;
            try
            {
                theirs = new FileInfo($"{proc}/ns/user").LinkTarget;
            }
            catch (IOException)
            {
                theirs = null;
            }
            if (theirs is not null && theirs != ours)
            {
                return;
            }
            Thread.Sleep(1);
        }
        throw new IOException($"{_unshare} --user did not make a user namespace within {Timeout.TotalSeconds} s");
    }
}
