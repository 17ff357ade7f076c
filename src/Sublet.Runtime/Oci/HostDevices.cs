using System.Globalization;

namespace Sublet.Runtime.Oci;

/// <summary>
/// The host's device nodes, for privileged containers (containerd pkg/oci WithHostDevices → HostDevices,
/// which walks /dev). Numbers come from sysfs (/sys/dev/{char,block}/MAJ:MIN/uevent, DEVNAME), so no stat
/// is needed; a node is listed only when /dev/DEVNAME exists and is not a symlink. Like containerd it
/// skips /dev/console and the pts, shm, fd and mqueue directories. uid/gid stay unset (root), as runc
/// defaults them; in a user namespace runc bind-mounts the nodes instead of creating them.
/// </summary>
public static class HostDevices
{
    private static readonly string[] SkippedDirectories = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"];

    public static IReadOnlyList<Device> Scan(string dev, string sysDev = "/sys/dev")
    {
        var devices = new List<Device>();
        foreach (var (kind, type) in new[] { ("char", "c"), ("block", "b") })
        {
            var dir = Path.Combine(sysDev, kind);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var entry in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
            {
                if (Parse(dev, type, Path.Combine(entry, "uevent")) is { } device)
                {
                    devices.Add(device);
                }
            }
        }
        return devices;
    }

    private static Device? Parse(string dev, string type, string uevent)
    {
        if (!File.Exists(uevent))
        {
            return null;
        }
        var fields = File.ReadAllLines(uevent).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!fields.TryGetValue("DEVNAME", out var name) || name == "console" || name.Contains("..", StringComparison.Ordinal)
            || SkippedDirectories.Contains(name.Split('/')[0]))
        {
            return null;
        }
        var node = Path.Combine(dev, name);
        var info = new FileInfo(node);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return null;
        }
        return new Device
        {
            Type = type,
            Path = "/dev/" + name,
            Major = long.Parse(fields["MAJOR"], CultureInfo.InvariantCulture),
            Minor = long.Parse(fields["MINOR"], CultureInfo.InvariantCulture),
            FileMode = (uint)info.UnixFileMode,
        };
    }
}
