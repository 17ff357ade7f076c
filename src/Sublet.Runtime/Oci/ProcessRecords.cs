namespace Sublet.Runtime.Oci;

/// <summary>Where a container's namespaces come from: the sandbox's pause process.</summary>
public sealed record SandboxNamespaces(int PausePid, string ProcRoot = "/proc")
{
    public string Path(string kind) => $"{ProcRoot}/{PausePid}/ns/{kind}";
}

/// <summary>The user a container process runs as, after manifest and image USER were combined.</summary>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids);

/// <summary>A plan that cannot be run as asked (bad command, unknown user): a user error, not a runtime failure.</summary>
public sealed class PlanException(string message) : Exception(message);
