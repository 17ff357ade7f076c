using System.Globalization;
using Sublet.Linux.Files;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Selftest;

public sealed partial class SelftestRunner
{
    /// <summary>A host user with no rights anywhere: who runs a planted set-ID file on the host side.</summary>
    private const string Nobody = "65534";

    /// <summary>
    /// Starts the victim container in <paramref name="victimPod"/>: it writes a 0600 file into its
    /// writable layer and a line into its log, keeps a secret in its environment and sleeps. Returns
    /// what the probes of the side attacking it are told.
    /// </summary>
    private Dictionary<string, string> Victim(SandboxEntry victimPod, string image, int hostVictimPid, IReadOnlyDictionary<string, string> facts)
    {
        const string Ready = "selftest victim ready";
        var container = core.CreateContainer(victimPod.Id, new ContainerConfig
        {
            Name = "victim", Image = image, Env = [new("SELFTEST_VICTIM_SECRET", "not for other pods")],
            Command = ["sh", "-c", $"echo victim > /{SelftestProbes.VictimSecret} && chmod 600 /{SelftestProbes.VictimSecret} && echo '{Ready}' && exec sleep 3600"],
        });
        core.StartContainer(container.Id);
        var deadline = DateTime.UtcNow + ProbeTimeout;
        while (!Output(container.LogPath).Contains(Ready, StringComparison.Ordinal))
        {
            if (core.ContainerStatus(container.Id).State != CtrState.Running || DateTime.UtcNow > deadline)
            {
                throw new RuntimeError(ErrorKind.Internal, $"the victim container in {victimPod.Config.Name} did not get ready: {LastLine(Output(container.LogPath))}");
            }
            Thread.Sleep(20);
        }
        var paths = ctx.Paths(victimPod.Id);
        return new Dictionary<string, string>(facts)
        {
            [ProbeEnv.HostVictim] = hostVictimPid.ToString(CultureInfo.InvariantCulture),
            // The container's first process on the host (conmon reports runc's init pid; sh exec'd sleep in it).
            [ProbeEnv.PodVictim] = (container.Pid ?? throw new RuntimeError(ErrorKind.Internal, "the victim container has no pid")).ToString(CultureInfo.InvariantCulture),
            [ProbeEnv.VictimRootfs] = Path.Combine(paths.ContainerRunDir(container.Id), "rootfs"),
            [ProbeEnv.VictimLayer] = Path.Combine(paths.ContainerStateDir(container.Id), "upper"),
            [ProbeEnv.VictimLog] = container.LogPath,
        };
    }

    /// <summary>
    /// The escaped process: the script by the host's /bin/sh, in the pod's user namespace when it
    /// has one (nsenter --user makes it root there with every capability, as a privileged
    /// container's process), the host's everything else. Without a user namespace: host root.
    /// </summary>
    private bool Escaped(Side side, Probe probe)
    {
        string[] shell = ["/bin/sh", "-c", probe.Script];
        // Never host root for a user-namespaced pod: that would report its own escape.
        var pause = side.Pod.PausePid ?? throw new RuntimeError(ErrorKind.Internal, $"{side.Pod.Config.Name} has no pause process to enter");
        var result = side.Pod.Ids is not null
            ? _processes.Run("nsenter", ["--target", pause.ToString(CultureInfo.InvariantCulture), "--user", "--setuid", "0", "--setgid", "0", "--", .. shell], side.Env, ProbeTimeout)
            : _processes.Run(shell[0], shell[1..], side.Env, ProbeTimeout);
        // nsenter(1) names the namespace it could not open or join; a script's own nsenter targets another process and never ns/user.
        if (side.Pod.Ids is not null && result.ExitCode != 0 && result.Stderr.StartsWith("nsenter:", StringComparison.Ordinal)
            && (result.Stderr.Contains($"/proc/{pause}/", StringComparison.Ordinal) || result.Stderr.Contains("ns/user", StringComparison.Ordinal)))
        {
            // Not entering the pod is no blocked attack: the probe did not run.
            throw new RuntimeError(ErrorKind.Internal, $"probe {probe.Name}: entering {side.Pod.Config.Name}'s user namespace failed: {LastLine(result.Stderr)}");
        }
        return Judged(side, probe, result.ExitCode, result.Stdout + result.Stderr);
    }

    /// <summary>
    /// CVE-2024-21626 through exec: a running probe container, then runc exec --cwd at each
    /// working directory the probe names (RuntimeCore's exec path, as a CRI ExecSync).
    /// </summary>
    private bool ExecAttempt(Side side, Probe probe, string image)
    {
        var container = core.CreateContainer(side.Pod.Id, new ContainerConfig { Name = probe.Name, Image = image, Command = ["sleep", "3600"] });
        try
        {
            core.StartContainer(container.Id);
            var worked = false;
            foreach (var cwd in probe.WorkingDirs ?? ["/"])
            {
                try
                {
                    var result = core.ExecSync(container.Id, ["sh", "-c", probe.Script], ProbeTimeout, cwd);
                    worked |= Judged(side, probe, result.ExitCode, $"--cwd {cwd}: {result.Stdout}{result.Stderr}");
                }
                catch (RuntimeFailure e)
                {
                    Notes.Add($"{probe.Name} in {side.Pod.Config.Name}: --cwd {cwd}: {LastLine(e.Message)}");
                }
            }
            return worked;
        }
        finally
        {
            core.RemoveContainer(container.Id);
        }
    }

    /// <summary>
    /// The pod's root plants a set-ID copy of the host's <c>id</c>; before the container is removed,
    /// nobody runs it by its host path through setpriv (which resolves the path as root: the
    /// directories' modes are not what is tested). Notes say the file's owner and mount flags: which of them protects.
    /// </summary>
    private bool PlantedAttempt(Side side, Probe probe, string image)
    {
        var emptyDir = Path.Combine(ctx.Paths(side.Pod.Id).StateDir, "volumes", "selftest-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(emptyDir);
        File.SetUnixFileMode(emptyDir, (UnixFileMode)0b111_111_111); // the kubelet's emptyDir mode
        var hostId = File.Exists("/usr/bin/id") ? "/usr/bin/id" : "/bin/id";
        MountSpec[] mounts =
        [
            new(SelftestProbes.HostId, hostId, true, Sandboxes.MountPropagation.None, Idmapped: false),
            new(SelftestProbes.EmptyDir, emptyDir, false, Sandboxes.MountPropagation.None, Idmapped: side.Pod.Ids is not null),
        ];
        var worked = false;
        try
        {
            RunToExit(side, Config(probe, image, mounts, "", side.Env), startMayFail: false, (container, code) =>
            {
                if (code != 0)
                {
                    Notes.Add($"{probe.Name} in {side.Pod.Config.Name}: the pod could not plant the file (exit {code}): {LastLine(Output(container.LogPath))}");
                    return;
                }
                var paths = ctx.Paths(side.Pod.Id);
                var planted = probe.PlantedIn switch
                {
                    Planted.Layer => Path.Combine(paths.ContainerStateDir(container.Id), "upper", SelftestProbes.PlantedFile),
                    Planted.Rootfs => Path.Combine(paths.ContainerRunDir(container.Id), "rootfs", SelftestProbes.PlantedFile),
                    _ => Path.Combine(emptyDir, SelftestProbes.PlantedFile),
                };
                var run = _processes.Run("setpriv", ["--reuid", Nobody, "--regid", Nobody, "--clear-groups", planted], timeout: ProbeTimeout);
                worked = SelftestProbes.Worked(probe, run.ExitCode, run.Stdout);
                Notes.Add($"{probe.Name} in {side.Pod.Config.Name}: {Describe(planted)}; ran as {LastLine(run.Stdout + run.Stderr)}");
            });
        }
        finally
        {
            Pods.Directories.Remove(emptyDir);
        }
        return worked;
    }

    /// <summary>The planted file's owner and mode as the host sees them, and whether its mount honours set-ID.</summary>
    private string Describe(string path)
    {
        try
        {
            var status = FileStatus.Of(path);
            var mode = Convert.ToString(status.Mode & 0b111_111_111_111, 8);
            var nosuid = ctx.Mounter.FlagsOf(path).HasFlag(MountFlags.NoSuid);
            var foreign = status.Uid != 0 && status.Gid != 0;
            var protects = (nosuid, foreign) switch
            {
                (true, true) => "nosuid and its owner (not host root) protect",
                (true, false) => "nosuid protects",
                (false, true) => "its owner (not host root) protects",
                _ => "only the directories' modes protect",
            };
            return $"on the host owned {status.Uid}:{status.Gid} mode {mode}, on a {(nosuid ? "nosuid" : "set-ID honouring")} mount: {protects}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"not found on the host ({e.Message})";
        }
    }

    /// <summary>
    /// A root <c>sleep</c> selftest starts on the host as the host's victim, and ends (by its own
    /// id) when disposed. Should selftest itself be killed, the victim goes too (prctl(2)
    /// PR_SET_PDEATHSIG through setpriv), and it sleeps 10 minutes at most anyway.
    /// </summary>
    private sealed class HostVictim : IDisposable
    {
        private readonly System.Diagnostics.Process _process;

        private HostVictim(System.Diagnostics.Process process) => _process = process;

        public int Pid => _process.Id;

        public static HostVictim Start()
        {
            var process = new System.Diagnostics.Process { StartInfo = ProcessRunner.StartInfo("setpriv", ["--pdeathsig", "KILL", "--", "sleep", "600"], null) };
            process.Start();
            return new HostVictim(process);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }
}
