namespace Sublet.Runtime.Pods;

/// <summary>
/// Where one pod's files live. Run state (bundles, mount points, pid files) is under the run
/// root; what must survive a reboot (upper dirs, logs, exit files) is under the state root.
/// </summary>
public sealed record PodPaths(string RunRoot, string StateRoot, string PodId)
{
    public string RunDir => Path.Combine(RunRoot, "pods", PodId);
    public string StateDir => Path.Combine(StatePods(StateRoot), PodId);
    public string SandboxBundle => Path.Combine(RunDir, "sandbox");

    /// <summary>
    /// The pod's own tmpfs mounts (memory emptyDirs, secrets and other projections). Only host root
    /// may enter (<see cref="Directories.Private"/>): a user-namespaced pod binds idmapped clones of
    /// them, and what its root writes lands there as host root (issue 19).
    /// </summary>
    public string TmpfsDir => Path.Combine(RunDir, "tmpfs");

    public string Tmpfs(string volume) => Path.Combine(TmpfsDir, volume);
    public string SandboxStateDir => Path.Combine(StateDir, "sandbox");

    /// <summary>
    /// The pod's pinned network (and user) namespaces: host root only, outside the run directory
    /// the pod's IDs can search, so no pod process that got out can reach another pod's pins.
    /// </summary>
    public string NamespaceDir => Path.Combine(RunRoot, "netns", PodId);

    /// <summary>The pod's network attachment (CNI result cache), kept with its state so DEL works after a restart.</summary>
    public string NetworkCache => Path.Combine(StateDir, "network.json");
    /// <summary>The runtime core's directories of a container (by its ID): its bundle and rootfs (run), its writable layer and exit file (state).</summary>
    public string ContainerRunDir(string containerId) => Path.Combine(RunDir, "c", containerId);
    public string ContainerStateDir(string containerId) => Path.Combine(StateDir, "c", containerId);
    public string ExitFile(string containerId) => Path.Combine(ContainerStateDir(containerId), "exit");

    /// <summary>The runtime's own log of a container whose client chose none (a CRI config without log_path); it goes with the container.</summary>
    public string ContainerLog(string containerId) => Path.Combine(ContainerStateDir(containerId), "0.log");

    /// <summary>
    /// play's files of the container named <paramref name="name"/>, kept across its restarts (the
    /// kubelet's, beside the runtime's per-ID directories): its logs and its termination-message file.
    /// </summary>
    public string KubeletContainerDir(string name) => Path.Combine(StateDir, "c", name);

    /// <summary>The log of an attempt, as the kubelet names it (pkg/kubelet/kuberuntime BuildContainerLogsDirectory: CONTAINER/RESTARTCOUNT.log).</summary>
    public string LogPath(string name, int attempt) => Path.Combine(KubeletContainerDir(name), $"{attempt}.log");

    /// <summary>Where play stages the subPath and recursive read-only binds of the container named <paramref name="name"/> (kubelet: volume-subpaths).</summary>
    public string SubPathDir(string name) => Path.Combine(RunDir, "kubelet", "subpaths", name);

    /// <summary>Every pod's state directory is in here, a nosuid, nodev mount (<see cref="PodStateMount"/>).</summary>
    public static string StatePods(string stateRoot) => Path.Combine(stateRoot, "pods");

    public static string ExitDir(string runRoot) => Path.Combine(runRoot, "exits");

    /// <summary>Removes conmon's exit file of <paramref name="id"/> from the shared exit directory; none there, or no directory (a run root wiped by a reboot), is fine.</summary>
    public static void DeleteExitFile(string runRoot, string id)
    {
        var file = Path.Combine(ExitDir(runRoot), id);
        if (File.Exists(file))
        {
            File.Delete(file);
        }
    }

    public static string SocketDir(string runRoot) => Path.Combine(runRoot, "socks");

    /// <summary>Where <c>runc exec --pid-file</c> writes: root's alone, not /tmp, where others see the name on runc's command line.</summary>
    public static string ExecPidFile(string runRoot) =>
        Path.Combine(Directories.Shared(Path.Combine(runRoot, "exec")), $"{Sandboxes.RuntimeCore.NewId()[..16]}.pid");
    public static string PauseRootfs(string runRoot) => Path.Combine(runRoot, "pause", "rootfs");
    public static string RuncRoot(string runRoot) => Path.Combine(runRoot, "runc");
}
