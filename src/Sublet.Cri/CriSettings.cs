namespace Sublet.Cri;

/// <summary>What the CRI services report about this node's runtime, fixed for a server's lifetime.</summary>
/// <param name="StateRoot">Persistent state (database, images, pods): critest probes idmap support on its parent.</param>
/// <param name="RunRoot">Run-time state (sockets, per-pod run directories).</param>
/// <param name="ImagesRoot">The image store (<c>&lt;stateRoot&gt;/images</c>).</param>
/// <param name="OciRuntime">The OCI runtime's name (runc, crun).</param>
/// <param name="Socket">The Unix socket the server listens on.</param>
public sealed record CriSettings(string StateRoot, string RunRoot, string ImagesRoot, string OciRuntime, string Socket)
{
    /// <summary>Where the streaming server (Exec, Attach URLs) listens: loopback, as containerd's and CRI-O's defaults.</summary>
    public System.Net.IPAddress StreamingAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>The streaming server's TCP port; 0 = one the system picks.</summary>
    public int StreamingPort { get; init; }

    /// <summary>This build's version (the assembly's informational version without the source revision).</summary>
    public static string RuntimeVersion { get; } =
        (typeof(CriSettings).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}

/// <summary>Whether pods on this node can get user namespaces, and if not, why.</summary>
/// <param name="Problems">The failed probes, each a sentence (empty when supported).</param>
public sealed record UserNamespaceSupport(bool Supported, IReadOnlyList<string> Problems)
{
    public static UserNamespaceSupport Yes { get; } = new(true, []);
}

/// <summary>
/// Probes this node for user-namespaced pods: the kernel, user.max_user_namespaces, root and
/// idmapped mounts where pods' files live (the same probes as <c>sublet doctor</c>).
/// </summary>
public interface IUserNamespaceProbe
{
    UserNamespaceSupport Probe();
}

/// <summary>
/// What the node can do, probed once for the server's lifetime (node facts don't change while it
/// runs; a restart re-probes): one instance shared by every call.
/// </summary>
public sealed class NodeFeatures(IUserNamespaceProbe probe)
{
    private readonly Lazy<UserNamespaceSupport> _userNamespaces = new(probe.Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    public UserNamespaceSupport UserNamespaces => _userNamespaces.Value;
}
