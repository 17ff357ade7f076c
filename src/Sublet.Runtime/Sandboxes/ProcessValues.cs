namespace Sublet.Runtime.Sandboxes;

/// <summary>How the image's /etc/group memberships combine with the manifest's groups (KEP-3619).</summary>
public enum SupplementalGroupsPolicy
{
    /// <summary>The image's groups for the user, plus runAsGroup and supplementalGroups.</summary>
    Merge,

    /// <summary>Only runAsGroup and supplementalGroups.</summary>
    Strict,
}

public enum SeccompProfileType
{
    Unconfined,
    RuntimeDefault,
    Localhost,
}

/// <summary>A seccomp profile; <see cref="LocalhostPath"/> is the absolute, already path-checked file for Localhost.</summary>
public sealed record SeccompProfile(SeccompProfileType Type, string? LocalhostPath = null)
{
    public static readonly SeccompProfile Unconfined = new(SeccompProfileType.Unconfined);
    public static readonly SeccompProfile RuntimeDefault = new(SeccompProfileType.RuntimeDefault);
}

public sealed record Sysctl(string Name, string Value);

/// <summary><c>spec.hostAliases[]</c>: one line of the pod's /etc/hosts (kubelet hostsEntriesFromHostAliases).</summary>
public sealed record HostAlias(string Ip, IReadOnlyList<string> Hostnames);
