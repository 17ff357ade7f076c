using Sublet.Linux.Files;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Oci;

/// <summary>One host device node a container gets: the OCI entry (its container path, type and numbers) and the node's host path.</summary>
public sealed record ExposedDevice(Device Node, string HostPath, string Permissions)
{
    /// <summary>The devices-cgroup rule that lets the container use it (config-linux.md "Allowed Device List").</summary>
    public DeviceRule Rule => new() { Allow = true, Type = Node.Type, Major = Node.Major, Minor = Node.Minor, Access = Permissions };
}

/// <summary>
/// CRI ContainerConfig.devices → device nodes, as containerd's WithDevices/getDevices
/// (internal/cri/opts/spec_linux_opts.go, pkg/oci/utils_unix.go): a host path that is a symlink is
/// resolved; a character or block device is exposed at the container path; a directory exposes
/// every device below it at the same place under the container path, skipping what HostDevices
/// skips (console; pts, shm, fd, mqueue, .lxc, .lxd-mounts, .udev) and entries that are not
/// devices. Type, numbers, mode bits and owner come from the node (DeviceFromPath). Anything else
/// is refused, naming the device.
/// </summary>
public static class ContainerDevices
{
    private static readonly string[] SkippedDirectories = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"];

    public static IReadOnlyList<ExposedDevice> Resolve(string container, IReadOnlyList<DeviceSpec> devices, IDeviceFiles files)
    {
        var exposed = new List<ExposedDevice>();
        foreach (var d in devices)
        {
            var where = $"container \"{container}\" device {d.HostPath} at {d.ContainerPath}";
            if (!Path.IsPathRooted(d.HostPath) || !Path.IsPathRooted(d.ContainerPath))
            {
                throw RuntimeError.Invalid($"{where}: host_path and container_path must be absolute");
            }
            // runc and the devices cgroup take r (read), w (write), m (mknod), in any combination.
            if (d.Permissions.Length == 0 || d.Permissions.Any(c => c is not ('r' or 'w' or 'm')) || d.Permissions.Distinct().Count() != d.Permissions.Length)
            {
                throw RuntimeError.Invalid($"{where}: permissions \"{d.Permissions}\" must be a combination of r, w and m");
            }
            var host = files.ResolveLink(d.HostPath);
            var status = files.Stat(host) ?? throw RuntimeError.Invalid($"{where}: {host} does not exist");
            if (status.Kind == PathKind.Directory)
            {
                Walk(host, d.ContainerPath, d.Permissions, files, exposed);
            }
            else
            {
                exposed.Add(Node(host, d.ContainerPath, d.Permissions, status)
                    ?? throw RuntimeError.Invalid($"{where}: {host} is {PathKinds.Describe(status.Kind)}, not a device node"));
            }
        }
        return exposed;
    }

    private static void Walk(string directory, string containerPath, string permissions, IDeviceFiles files, List<ExposedDevice> exposed)
    {
        foreach (var name in files.Entries(directory))
        {
            var path = Path.Combine(directory, name);
            if (files.Stat(path) is not { } status)
            {
                continue; // gone meanwhile
            }
            if (status.Kind == PathKind.Directory)
            {
                if (!SkippedDirectories.Contains(name))
                {
                    Walk(path, Path.Combine(containerPath, name), permissions, files, exposed);
                }
            }
            else if (name != "console" && Node(path, Path.Combine(containerPath, name), permissions, status) is { } node)
            {
                exposed.Add(node);
            }
        }
    }

    private static ExposedDevice? Node(string hostPath, string containerPath, string permissions, FileStatus status)
    {
        var type = status.Kind switch { PathKind.CharDevice => "c", PathKind.BlockDevice => "b", _ => null };
        return type is null ? null : new ExposedDevice(
            new Device { Type = type, Path = containerPath, Major = status.Rdev.Major, Minor = status.Rdev.Minor, FileMode = status.Mode, Uid = status.Uid, Gid = status.Gid },
            hostPath, permissions);
    }
}
