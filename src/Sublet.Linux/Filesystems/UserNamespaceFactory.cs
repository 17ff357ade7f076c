namespace Sublet.Linux.Filesystems;

/// <summary>Makes a user namespace that belongs to no pod, for mount_setattr(2) MOUNT_ATTR_IDMAP (probes, doctor).</summary>
public interface IUserNamespaceFactory
{
    /// <summary>A user namespace mapping IDs 0..<paramref name="length"/>-1 to host <paramref name="hostStart"/>.., held only by the returned descriptor.</summary>
    SafeFd Create(uint hostStart, uint length);
}

/// <summary>
/// A child <c>unshare --user</c> makes the namespace (<see cref="Namespaces.UnshareChild"/>); as root
/// (CAP_SETUID/CAP_SETGID in the parent namespace) we write its maps (user_namespaces(7) "Defining
/// user and group ID mappings") and open /proc/PID/ns/user; the open descriptor keeps the namespace
/// alive after the child is gone (namespaces(7)).
/// </summary>
public sealed class UnshareUserNamespaceFactory : IUserNamespaceFactory
{
    private readonly string _unshare;

    public UnshareUserNamespaceFactory(string unshare = "unshare") => _unshare = unshare;

    /// <exception cref="IOException">unshare is missing, failed or hung; a map can't be written.</exception>
    public SafeFd Create(uint hostStart, uint length)
    {
        ArgumentOutOfRangeException.ThrowIfZero(length);
        using var child = Namespaces.UnshareChild.Start(_unshare, ["--user"], "user");
        child.MapIds(hostStart, length);
        return SafeFd.OpenReadOnly($"{child.Proc}/ns/user");
    }
}
