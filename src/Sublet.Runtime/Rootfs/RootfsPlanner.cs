using Sublet.IdMapping;
using Sublet.Linux.Filesystems;
using Sublet.Runtime.Config;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Rootfs;

/// <summary>How a container's image layers reach its overlay.</summary>
public enum RootfsKind
{
    /// <summary>The unpacked layers as they are (no user namespace).</summary>
    Layers,

    /// <summary>One idmapped bind of the layer store (DESIGN.md §4): nothing copied.</summary>
    IdmappedLayers,

    /// <summary>A copy of the layers with owners shifted into the pod's range (<see cref="LayerCopies"/>).</summary>
    ChownCopy,
}

/// <summary>The rootfs path for a pod, or why a user-namespaced pod can't have one.</summary>
public sealed record RootfsChoice(RootfsKind Kind, string? Refusal = null)
{
    /// <summary>Records the choice in the container's OCI config, where <c>sublet inspect</c> reads it.</summary>
    public const string Annotation = "io.sublet.rootfs";

    /// <summary>How <c>sublet inspect</c> names it.</summary>
    public string Describe() => Kind switch
    {
        RootfsKind.IdmappedLayers => "idmapped layers",
        RootfsKind.ChownCopy => "chown copy",
        _ => "layers (no user namespace)",
    };
}

/// <summary>
/// Chooses between idmapped layers and a chown copy from <c>rootfs.userNamespaceMode</c> and the
/// layer store's idmap support. Decide is pure; Choose probes only when the mode needs to know.
/// </summary>
public sealed class RootfsPlanner(RootfsConfig config, string layersRoot, Func<string, IdmapVerdict> probe, KernelVersion kernel)
{
    public static RootfsPlanner ForThisHost(NodeConfig config, string layersRoot)
    {
        var kernel = KernelVersion.Current();
        IdmapVerdict? verdict = null; // one probe per planner: the pod check and each container start ask alike
        return new RootfsPlanner(config.Rootfs, layersRoot, path =>
        {
            if (verdict is null)
            {
                // Kept for the boot under the run root: every user-namespaced pod start asks.
                using var support = IdmapSupport.ForThisHost(Path.Combine(config.RunRoot, "idmap-verdicts"));
                verdict = support.Check(path);
            }
            return verdict;
        }, kernel);
    }

    /// <summary>The choice for a pod; <paramref name="verdict"/> is the layer store's probe, null when not probed.</summary>
    public static RootfsChoice Decide(string mode, bool userNamespace, IdmapVerdict? verdict, string layersRoot, KernelVersion kernel)
    {
        if (!userNamespace)
        {
            return new(RootfsKind.Layers);
        }
        if (mode == RootfsConfig.ChownCopy)
        {
            return new(RootfsKind.ChownCopy);
        }
        if (verdict is null || verdict.Supported)
        {
            return new(RootfsKind.IdmappedLayers);
        }
        return mode == RootfsConfig.IdmapOrChownCopy
            ? new(RootfsKind.ChownCopy)
            : new(RootfsKind.IdmappedLayers, Refusal(verdict, layersRoot, kernel));
    }

    /// <summary>
    /// e.g. <c>the image layers (/var/lib/sublet/images/layers) are on ramfs, which can't be idmapped: a pod
    /// with hostUsers: false can't use them; set rootfs.userNamespaceMode: idmapOrChownCopy …</c>
    /// </summary>
    public static string Refusal(IdmapVerdict verdict, string layersRoot, KernelVersion kernel) =>
        $"the image layers ({layersRoot}) are {verdict.CantIdmap(kernel)}: "
        + "a pod with hostUsers: false can't use them; "
        + $"set rootfs.userNamespaceMode: {RootfsConfig.IdmapOrChownCopy} in the node configuration to give such pods a chown copy of the layers, "
        + $"or keep the image store (stateRoot/images) on another filesystem: {verdict.Needed}";

    /// <summary>Probes the layer store unless the mode makes the answer irrelevant.</summary>
    public RootfsChoice Choose(bool userNamespace)
    {
        var needsProbe = userNamespace && config.UserNamespaceMode != RootfsConfig.ChownCopy;
        return Decide(config.UserNamespaceMode, userNamespace, needsProbe ? probe(layersRoot) : null, layersRoot, kernel);
    }

    /// <summary>Before anything is allocated: a user-namespaced pod the configuration refuses fails here.</summary>
    /// <exception cref="PlanException">The layer store can't be idmapped and the mode is <c>idmap</c>.</exception>
    public RootfsChoice Check(bool userNamespace)
    {
        var choice = Choose(userNamespace);
        return choice.Refusal is { } refusal ? throw new PlanException(refusal) : choice;
    }

    /// <summary>The lower directories for <paramref name="choice"/>, bottom first: the layers, or their copies for <paramref name="range"/>.</summary>
    public static IReadOnlyList<string> Lowers(RootfsChoice choice, IReadOnlyList<string> layers, IdRange? range, LayerCopies copies) =>
        choice.Kind == RootfsKind.ChownCopy && range is { } ids ? copies.Ensure(layers, ids) : layers;
}
