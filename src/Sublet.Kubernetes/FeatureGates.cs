namespace Sublet.Kubernetes;

/// <summary>Maturity of a feature gate, as component-base/featuregate names them.</summary>
public enum GateStage { Alpha, Beta, GA, Deprecated }

/// <summary>A gate Sublet knows: default, stage and whether it is locked to its default (pkg/features/kube_features.go, 1.36).</summary>
public sealed record GateSpec(string Name, bool Default, GateStage Stage, bool Locked = false);

/// <summary>
/// The kubelet and API server feature gates that change what Sublet validates or runs, with the
/// values of Kubernetes 1.36. Set in the configuration's <c>featureGates</c> map; unknown names and
/// locked gates set against their value are errors, as component-base/featuregate reports them.
/// </summary>
public sealed class FeatureGates
{
    public const string UserNamespacesSupport = "UserNamespacesSupport";
    public const string UserNamespacesHostNetworkSupport = "UserNamespacesHostNetworkSupport";
    public const string ProcMountType = "ProcMountType";
    public const string RelaxedEnvironmentVariableValidation = "RelaxedEnvironmentVariableValidation";
    public const string SidecarContainers = "SidecarContainers";
    public const string ImageVolume = "ImageVolume";

    public static readonly IReadOnlyList<GateSpec> Known =
    [
        new(UserNamespacesSupport, true, GateStage.GA, Locked: true),         // GA 1.36
        new(UserNamespacesHostNetworkSupport, false, GateStage.Alpha),        // alpha 1.35
        new(ProcMountType, true, GateStage.GA, Locked: true),                 // GA 1.35
        new(RelaxedEnvironmentVariableValidation, true, GateStage.GA, Locked: true), // GA 1.34
        new(SidecarContainers, true, GateStage.GA, Locked: true),             // GA 1.33
        new(ImageVolume, true, GateStage.Beta),                               // beta, on by default 1.35
        new("KubeletInUserNamespace", false, GateStage.Alpha),                 // alpha since 1.22
        new("SupplementalGroupsPolicy", true, GateStage.Beta),                 // beta, on by default 1.33
    ];

    private readonly Dictionary<string, bool> _values;

    private FeatureGates(Dictionary<string, bool> values) => _values = values;

    public static FeatureGates Default { get; } = new(Known.ToDictionary(g => g.Name, g => g.Default));

    public bool Enabled(string gate) => _values.TryGetValue(gate, out var on) ? on : throw new ArgumentException($"unknown feature gate {gate}");

    /// <summary>The gates with <paramref name="settings"/> applied; every problem goes to <paramref name="problems"/> (upstream wording).</summary>
    public static FeatureGates From(IReadOnlyDictionary<string, bool>? settings, ICollection<string> problems)
    {
        var values = Known.ToDictionary(g => g.Name, g => g.Default);
        foreach (var (name, value) in settings ?? new Dictionary<string, bool>())
        {
            var spec = Known.FirstOrDefault(g => g.Name == name);
            if (spec is null)
            {
                problems.Add($"featureGates: unrecognized feature gate: {name}");
            }
            else if (spec.Locked && value != spec.Default)
            {
                problems.Add($"featureGates: cannot set feature gate {name} to {(value ? "true" : "false")}, feature is locked to {(spec.Default ? "true" : "false")}");
            }
            else
            {
                values[name] = value;
            }
        }
        return new FeatureGates(values);
    }
}
