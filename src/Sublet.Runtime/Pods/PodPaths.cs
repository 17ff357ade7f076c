namespace Sublet.Runtime.Pods;

/// <summary>
/// Where one pod's files live. Run state (bundles, mount points, pid files) is under the run
/// root; what must survive a reboot (upper dirs, logs, exit files) is under the state root.
/// </summary>
public sealed record PodPaths(string RunRoot, string StateRoot, string PodId)
{
    public string RunDir => Path.Combine(RunRoot, "pods", PodId);
    public string StateDir => Path.Combine(StateRoot, "pods", PodId);
    public string SandboxBundle => Path.Combine(RunDir, "sandbox");
    public string SandboxStateDir => Path.Combine(StateDir, "sandbox");
    public string ContainerRunDir(string name) => Path.Combine(RunDir, "c", name);
    public string ContainerStateDir(string name) => Path.Combine(StateDir, "c", name);
    public string LogPath(string name) => Path.Combine(ContainerStateDir(name), "0.log");
    public string ExitFile(string name) => Path.Combine(ContainerStateDir(name), "exit");

    public static string ExitDir(string runRoot) => Path.Combine(runRoot, "exits");
    public static string SocketDir(string runRoot) => Path.Combine(runRoot, "socks");
    public static string PauseRootfs(string runRoot) => Path.Combine(runRoot, "pause", "rootfs");
    public static string RuncRoot(string runRoot) => Path.Combine(runRoot, "runc");

    /// <summary>The OCI runtime's id of an app container: the pod id, a dash, the container name.</summary>
    public string ContainerId(string name) => $"{PodId}-{name}";
}
