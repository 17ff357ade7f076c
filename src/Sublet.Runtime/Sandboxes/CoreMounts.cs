using Sublet.Linux;
using Sublet.Linux.Filesystems;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Volumes;

namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// A container's binds (CRI Mount). Without a user namespace runc binds the host path. With one,
/// Sublet first clones each host path into the pod's run directory — idmapped into the pod's user
/// namespace when the client asked for an idmapped mount, plain otherwise — and runc binds the
/// clone: runc runs inside the user namespace and could not idmap or reach the path itself
/// (runtime-anchors.md §7.5). A filesystem that can't be idmapped fails the container, naming it.
/// </summary>
internal sealed class CoreMounts(RuntimeContext ctx, PodPaths paths, SandboxEntry sandbox)
{
    public static string StageDir(PodPaths paths, string containerId) => Path.Combine(paths.RunDir, "m", containerId);

    public List<Oci.Mount> Prepare(string containerId, ContainerConfig config)
    {
        var binds = new List<Oci.Mount>();
        for (var i = 0; i < config.Mounts.Count; i++)
        {
            var m = config.Mounts[i];
            if (!Path.IsPathRooted(m.HostPath) || !Path.IsPathRooted(m.ContainerPath))
            {
                throw RuntimeError.Invalid($"mount {i} of container \"{config.Name}\": host_path \"{m.HostPath}\" and container_path \"{m.ContainerPath}\" must be absolute");
            }
            // containerd creates a missing host path as a directory (WithMounts, os.MkdirAll).
            if (!File.Exists(m.HostPath) && !Directory.Exists(m.HostPath))
            {
                Directory.CreateDirectory(m.HostPath);
            }
            var source = sandbox.Ids is null ? m.HostPath : Stage(containerId, i, m);
            var locked = sandbox.Ids is null ? MountFlags.None : ctx.Mounter.FlagsOf(source);
            binds.Add(new Oci.Mount { Destination = m.ContainerPath, Type = "bind", Source = source, Options = Options(m, locked) });
        }
        return binds;
    }

    /// <summary>
    /// The OCI bind options: rbind, the propagation as containerd maps it (WithMounts), nodev and
    /// nosuid when asked, every flag the staged clone carries <paramref name="locked"/>, ro or rw.
    /// runc 1.1 remounts a bind with exactly these flags; from inside a user namespace a remount
    /// that drops a locked one fails with EPERM (mount(2)), so they must be asked for.
    /// </summary>
    public static List<string> Options(MountSpec m, MountFlags locked) =>
    [
        "rbind", MountOptions.Propagation(m.Propagation),
        .. m.NoDev || locked.HasFlag(MountFlags.NoDev) ? (string[])["nodev"] : [],
        .. m.NoSuid || locked.HasFlag(MountFlags.NoSuid) ? (string[])["nosuid"] : [],
        .. locked.HasFlag(MountFlags.NoExec) ? (string[])["noexec"] : [],
        m.ReadOnly ? "ro" : "rw",
    ];

    private string Stage(string containerId, int index, MountSpec m)
    {
        var staged = Path.Combine(Directories.Private(StageDir(paths, containerId)), index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Directory.Exists(m.HostPath))
        {
            Directory.CreateDirectory(staged);
        }
        else
        {
            File.WriteAllBytes(staged, []);
        }
        if (!m.Idmapped)
        {
            ctx.Mounter.MountClone(m.HostPath, staged, MountOptions.Staged(m.Propagation));
            return staged;
        }
        using var userns = SafeFd.OpenReadOnly(ctx.Proc.NamespacePath(sandbox.PausePid!.Value, "user"));
        try
        {
            ctx.Mounter.MountIdmapped(m.HostPath, staged, userns, m.ReadOnly, MountOptions.Staged(m.Propagation), m.NoSuid ? SetIdBits.Ignored : m.SetIdHonoured ? SetIdBits.Honoured : SetIdBits.AsSource);
        }
        catch (LinuxError e)
        {
            var fs = Filesystem.Of(Filesystem.NearestExisting(m.HostPath));
            throw RuntimeError.Invalid(
                $"mount {m.HostPath} at {m.ContainerPath}: the {fs.Name} filesystem mounted at {fs.MountPoint ?? "?"} can't be idmapped on this kernel ({e.Message}); a pod with a user namespace needs an idmapped mount there");
        }
        return staged;
    }
}
