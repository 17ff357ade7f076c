namespace Sublet.Linux;

/// <summary>How cgroups are mounted on this host (crun src/libcrun/cgroup-utils.c detect_cgroup_mode).</summary>
public enum CgroupMode
{
    Legacy,
    Hybrid,
    Unified,
}

/// <summary>Reads the cgroup layout from the filesystem; the root is injectable for tests.</summary>
public sealed class CgroupLayout
{
    private readonly string _root;

    public CgroupLayout(string root = "/sys/fs/cgroup") => _root = root;

    public CgroupMode Mode =>
        File.Exists(Path.Combine(_root, "cgroup.controllers")) ? CgroupMode.Unified
        : File.Exists(Path.Combine(_root, "unified", "cgroup.controllers")) ? CgroupMode.Hybrid
        : CgroupMode.Legacy;

    /// <summary>Controllers bound to the cgroup2 hierarchy of a hybrid host.</summary>
    public IReadOnlyList<string> HybridUnifiedControllers()
    {
        var path = Path.Combine(_root, "unified", "cgroup.controllers");
        return File.Exists(path) ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }

    /// <summary>
    /// crun (≤ current) refuses hybrid mode when the cgroup2 hierarchy holds controllers ("cgroups in
    /// hybrid mode not supported, drop all controllers from cgroupv2"; runtime-anchors.md §3.7),
    /// even with --cgroup-manager=disabled. Null when crun can run here.
    /// </summary>
    public string? CrunRefusal()
    {
        var controllers = HybridUnifiedControllers();
        return Mode == CgroupMode.Hybrid && controllers.Count > 0
            ? $"crun cannot run containers on this host: cgroups are in hybrid mode and the cgroup2 hierarchy at {_root}/unified holds controllers ({string.Join(" ", controllers)}), which crun refuses; use ociRuntime.name: runc, or boot with a pure cgroup v2 hierarchy"
            : null;
    }
}
