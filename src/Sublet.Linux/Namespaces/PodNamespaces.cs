using Sublet.Linux.Interop;

namespace Sublet.Linux.Namespaces;

/// <summary>
/// A pod's namespaces pinned as files: the network and UTS namespaces, the IPC namespace unless the
/// pod uses the node's, and for a user-namespaced pod the user namespace that owns them all.
/// </summary>
public sealed record PinnedNamespaces(string Net, string? User, string? Uts = null, string? Ipc = null);

/// <summary>
/// Makes a pod's network namespace before any of its processes exist, so CNI can configure it
/// first (issue 21 item 1; containerd setupNetnsWithinUserns, CRI-O pinns). <see cref="UnsharePodNamespaces"/> acts; tests use a fake.
/// </summary>
public interface IPodNamespaces
{
    /// <summary>
    /// New network and UTS namespaces, and with <paramref name="ipc"/> an IPC namespace, pinned at
    /// <paramref name="directory"/>/net, /uts and /ipc (issue 21 item 1, as CRI-O's pinns). With a
    /// range, they are made inside a new user namespace mapping 0..<paramref name="length"/>-1 to host
    /// <paramref name="hostStart"/>.., pinned at <paramref name="directory"/>/user: the pod's root
    /// then owns them (it can set its interfaces up, mount its sysfs and mqueue, set its hostname).
    /// </summary>
    PinnedNamespaces Create(string directory, uint? hostStart, uint length, bool ipc = true);

    /// <summary>Brings <c>lo</c> up in the pinned network namespace.</summary>
    void BringLoopbackUp(string netnsPath);

    /// <summary>
    /// Kills every process still in the pinned user namespace (the network namespace for a
    /// host-users pod) and returns those that outlived <paramref name="wait"/>. Run when the pod's
    /// containers are gone: what is left, such as a <c>runc:[2:INIT]</c> whose <c>runc create</c>
    /// was killed before it wrote its state or joined its cgroup, no runtime answers for, and it
    /// would hold the pod's ID range.
    /// </summary>
    IReadOnlyList<int> KillMembers(string directory, TimeSpan wait);

    /// <summary>Unpins what <see cref="Create"/> pinned in <paramref name="directory"/>; the namespaces end with their last user. Gone already is fine.</summary>
    void Remove(string directory);
}

/// <summary>
/// One <c>unshare --user --net</c> child (one unshare(2) call: the kernel makes the user
/// namespace first and the network namespace inside it, user_namespaces(7) "Interaction of user
/// namespaces and other types of namespaces"); its maps are written, its namespaces bind-mounted
/// onto files (namespaces(7): a bind mount keeps a namespace alive), then the child is killed.
/// </summary>
public sealed class UnsharePodNamespaces : IPodNamespaces
{
    private readonly string _unshare;

    public UnsharePodNamespaces(string unshare = "unshare") => _unshare = unshare;

    public PinnedNamespaces Create(string directory, uint? hostStart, uint length, bool ipc = true)
    {
        Directory.CreateDirectory(directory);
        string[] flags = [.. hostStart is null ? Array.Empty<string>() : ["--user"], "--net", "--uts", .. ipc ? ["--ipc"] : Array.Empty<string>()];
        using var child = UnshareChild.Start(_unshare, flags, "net");
        string? user = null;
        if (hostStart is { } start)
        {
            child.MapIds(start, length);
            user = Pin($"{child.Proc}/ns/user", Path.Combine(directory, "user"));
        }
        var net = Pin($"{child.Proc}/ns/net", Path.Combine(directory, "net"));
        var uts = Pin($"{child.Proc}/ns/uts", Path.Combine(directory, "uts"));
        return new PinnedNamespaces(net, user, uts, ipc ? Pin($"{child.Proc}/ns/ipc", Path.Combine(directory, "ipc")) : null);
    }

    public void BringLoopbackUp(string netnsPath) => NetworkNamespace.BringLoopbackUp(netnsPath);

    public IReadOnlyList<int> KillMembers(string directory, TimeSpan wait)
    {
        var user = Path.Combine(directory, "user");
        return File.Exists(user)
            ? NamespaceMembers.Kill(user, "user", wait)
            : NamespaceMembers.Kill(Path.Combine(directory, "net"), "net", wait);
    }

    public void Remove(string directory)
    {
        foreach (var name in new[] { "net", "uts", "ipc", "user" })
        {
            var pin = Path.Combine(directory, name);
            // MNT_DETACH: a CNI plugin or a process of ours may still hold it open; the namespace lives on with them.
            if (Libc.Umount2(pin, Libc.MNT_DETACH | Libc.UMOUNT_NOFOLLOW) != 0
                && LinuxError.Last("umount", pin) is { Errno: not (Errno.EINVAL or Errno.ENOENT) } error)
            {
                throw error;
            }
            File.Delete(pin);
        }
    }

    /// <summary>mount --bind /proc/PID/ns/KIND FILE (mount(2) MS_BIND of an nsfs file).</summary>
    private static string Pin(string nsPath, string file)
    {
        using (File.Create(file))
        {
        }
        if (Libc.Mount(nsPath, file, null, Libc.MS_BIND, null) != 0)
        {
            var error = LinuxError.Last("mount --bind", file);
            File.Delete(file);
            throw error;
        }
        return file;
    }
}
