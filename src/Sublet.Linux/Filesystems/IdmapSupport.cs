using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Sublet.Linux.Filesystems;

/// <summary>Whether a path's filesystem can be idmapped here, and if not why and what would be needed.</summary>
/// <param name="Errno">The errno of the failed probe; null when supported.</param>
public sealed record IdmapVerdict(string Path, string Filesystem, bool Supported, string Reason, string Needed, int? Errno)
{
    public static IdmapVerdict From(string path, string filesystem, int? errno, KernelVersion kernel, string operation = "mount_setattr(MOUNT_ATTR_IDMAP)")
    {
        if (errno is null)
        {
            return new(path, filesystem, true, $"{filesystem} can be idmapped on Linux {kernel} (probed)", "", null);
        }
        var reason = $"{operation} fails on {filesystem}: {Marshal.GetPInvokeErrorMessage(errno.Value)} (errno {errno})";
        return new(path, filesystem, false, reason, IdmapRequirement.For(filesystem).Needed(kernel), errno);
    }

    /// <summary>
    /// The error a pod with hostUsers: false gets for a volume on this filesystem, e.g.
    /// <c>volume "data" (hostPath /mnt/x) is on ramfs, which can't be idmapped: a pod with hostUsers: false can't use it</c>.
    /// A kernel that is too old is named with the release needed; an unexplained failure with its errno.
    /// </summary>
    /// <param name="source">How the volume's source is described, e.g. <c>hostPath /mnt/x</c> or <c>emptyDir, medium Memory</c>.</param>
    public string VolumeError(string volume, string source, KernelVersion kernel) =>
        $"volume \"{volume}\" ({source}) is {CantIdmap(kernel)}: a pod with hostUsers: false can't use it";

    /// <summary>
    /// <c>on ramfs, which can't be idmapped</c>, with the kernel release needed when the kernel is
    /// too old, or the probe's reason when the failure is unexplained: the wording every "can't idmap" error shares.
    /// </summary>
    public string CantIdmap(KernelVersion kernel)
    {
        var requirement = IdmapRequirement.For(Filesystem);
        var why = requirement.Never ? ""
            : requirement.Since is { } since && kernel < since ? $" before Linux {since} (this is {kernel})"
            : $" here ({Reason})";
        return $"on {Filesystem}, which can't be idmapped{why}";
    }
}

/// <summary>
/// Idmap support by probing, cached per superblock (device number and filesystem) for the life of
/// this object, and, given a directory, across processes for the rest of the boot: a probe costs a
/// user namespace (an <c>unshare</c> child, ~15 ms) on every pod start otherwise. Only "supported"
/// is kept there: a refusal is probed again, so its error is the kernel's of the moment, and a
/// verdict kept wrongly could only skip an early error, not an idmapped mount's own.
/// One throwaway user namespace serves every probe; Dispose releases it.
/// </summary>
public sealed class IdmapSupport : IDisposable
{
    /// <summary>Host IDs of the probe's namespace: any valid mapping will do, nothing runs in it.</summary>
    private const uint ProbeHostStart = 65536;
    private const uint ProbeLength = 65536;

    private readonly IUserNamespaceFactory _namespaces;
    private readonly IIdmapProbe _probe;
    private readonly string? _verdicts;
    private readonly string? _bootId;
    private readonly ConcurrentDictionary<(string Device, string Name), LinuxError?> _cache = new();
    private readonly Lock _lock = new();
    private SafeFd? _userNamespace;
    private IdmapVerdict? _tmpfs;

    /// <param name="verdicts">Where "supported" verdicts are kept for other processes of this boot (root's alone, under the run root); null keeps none.</param>
    /// <param name="bootId">This boot's id (/proc/sys/kernel/random/boot_id): a kept verdict is good for one boot, as kernels change between them.</param>
    public IdmapSupport(KernelVersion kernel, IUserNamespaceFactory? namespaces = null, IIdmapProbe? probe = null, string? verdicts = null, string? bootId = null)
    {
        Kernel = kernel;
        _namespaces = namespaces ?? new UnshareUserNamespaceFactory();
        _probe = probe ?? new LinuxIdmapProbe();
        _verdicts = verdicts;
        _bootId = bootId;
    }

    public KernelVersion Kernel { get; }

    /// <summary>The running kernel, the real user-namespace helper and the real probe.</summary>
    public static IdmapSupport ForThisHost() => new(KernelVersion.Current());

    /// <summary>As <see cref="ForThisHost()"/>, keeping "supported" verdicts in <paramref name="verdicts"/> for the rest of this boot.</summary>
    public static IdmapSupport ForThisHost(string verdicts) =>
        new(KernelVersion.Current(), verdicts: verdicts, bootId: File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim());

    /// <summary>Probes <paramref name="path"/>'s filesystem (once per filesystem).</summary>
    /// <exception cref="IOException">The path can't be reached (<see cref="LinuxError"/>), the probe failed for another reason, or no user namespace could be made.</exception>
    public IdmapVerdict Check(string path)
    {
        var fs = Filesystem.Of(path);
        var error = _cache.GetOrAdd((fs.Device, fs.Name), key => Kept(key) ? null : Keep(key, _probe.TryIdmap(path, UserNamespace())));
        return error is null ? IdmapVerdict.From(path, fs.Name, null, Kernel) : IdmapVerdict.From(path, fs.Name, error.Errno, Kernel, error.Operation);
    }

    /// <summary>One empty file per filesystem that could be idmapped this boot: its name is the boot, the device and the filesystem.</summary>
    private string? KeptFile((string Device, string Name) key) =>
        _verdicts is null || _bootId is null ? null
            : Path.Combine(_verdicts, string.Concat($"{_bootId}-{key.Device}-{key.Name}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')));

    private bool Kept((string Device, string Name) key) => KeptFile(key) is { } file && File.Exists(file);

    private LinuxError? Keep((string Device, string Name) key, LinuxError? error)
    {
        if (error is null && KeptFile(key) is { } file)
        {
            Directory.CreateDirectory(_verdicts!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllBytes(file, []);
        }
        return error;
    }

    /// <summary>
    /// The error text for a volume whose source can't be idmapped, or null when it can.
    /// A path that doesn't exist yet is judged by its nearest existing parent.
    /// </summary>
    public string? VolumeError(string volume, string source, string path)
    {
        var verdict = Check(Filesystem.NearestExisting(path));
        return verdict.Supported ? null : verdict.VolumeError(volume, source, Kernel);
    }

    /// <summary>A private tmpfs in a temp directory, probed and unmounted; once per object, as every tmpfs answers alike.</summary>
    public IdmapVerdict CheckTmpfs()
    {
        lock (_lock)
        {
            if (_tmpfs is null)
            {
                using var tmpfs = ScratchMount.Create("tmpfs", "size=64k,mode=0700");
                _tmpfs = Check(tmpfs.Path);
            }
            return _tmpfs;
        }
    }

    /// <summary>overlayfs over an idmapped lower layer, in a scratch directory under <paramref name="parent"/> (not cached).</summary>
    public IdmapVerdict CheckOverlayOverIdmappedLayers(string parent)
    {
        var lower = Filesystem.Of(parent).Name;
        var name = $"overlay over idmapped {lower}";
        var error = _probe.TryIdmappedOverlay(parent, UserNamespace());
        if (error is null)
        {
            return new IdmapVerdict(parent, name, true, $"overlayfs mounts over idmapped {lower} layers on Linux {Kernel} (probed)", "", null);
        }
        var needed = Kernel < IdmapRequirement.OverlayOverIdmappedLayers
            ? $"Linux {IdmapRequirement.OverlayOverIdmappedLayers} or later (this is {Kernel})"
            : IdmapRequirement.For(lower).Needed(Kernel);
        return new IdmapVerdict(parent, name, false, error.Message, needed, error.Errno);
    }

    private SafeFd UserNamespace()
    {
        lock (_lock)
        {
            return _userNamespace ??= _namespaces.Create(ProbeHostStart, ProbeLength);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _userNamespace?.Dispose();
            _userNamespace = null;
        }
    }
}
