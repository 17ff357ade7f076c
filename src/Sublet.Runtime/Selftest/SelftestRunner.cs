using System.Globalization;
using Sublet.IdMapping;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Selftest;

/// <summary>
/// Runs <see cref="SelftestProbes"/> on this node through the runtime core: one user-namespaced
/// sandbox with the given range and one host-users sandbox, each with a victim sandbox of its kind
/// beside it, a root process on the host as the host's victim, a fresh probe container (or escaped
/// process) per attempt with fresh host files, everything removed afterwards whatever happens. Its
/// sandboxes are owned by <see cref="Owner.Selftest"/>: no CRI client lists them, and no probe
/// touches a process or file selftest did not make.
/// </summary>
public sealed partial class SelftestRunner(RuntimeContext ctx, ISandboxRuntime core, IProcessRunner? processes = null)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);
    private static readonly UnixFileMode Mode0755 = (UnixFileMode)0b111_101_101;
    private static readonly UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;
    private readonly IProcessRunner _processes = processes ?? new ProcessRunner();

    /// <summary>One column of the table: the attacker's sandbox and what its probes' scripts are told (victims, host facts).</summary>
    private sealed record Side(SandboxEntry Pod, IReadOnlyDictionary<string, string> Env);

    /// <summary>How each blocked attempt ended: the probe's last output line (EACCES, EPERM, …), for the report.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>
    /// Removes what an interrupted earlier run left: its sandboxes are selftest's alone. Call it
    /// before choosing ranges, as their live user namespaces still hold theirs.
    /// </summary>
    public void RemoveStale()
    {
        foreach (var stale in core.ListSandboxes(Owner.Selftest))
        {
            core.RemoveSandbox(stale.Entry.Id);
        }
        Directories.Remove(ScratchRoot);
        if (File.Exists(HostDirRecord))
        {
            // Only a directory of the name selftest gives its host directories, whatever the record says.
            var dir = File.ReadAllText(HostDirRecord).Trim();
            if (Path.GetDirectoryName(dir) == Path.TrimEndingDirectorySeparator(Path.GetTempPath()) && Path.GetFileName(dir).StartsWith(HostDirPrefix, StringComparison.Ordinal))
            {
                Directories.Remove(dir);
            }
            File.Delete(HostDirRecord);
        }
    }

    private string ScratchRoot => Path.Combine(ctx.Config.StateRoot, "selftest");

    /// <summary>Where the run in progress names its host directory, so the next run removes it if this one is killed.</summary>
    private string HostDirRecord => Path.Combine(ctx.Config.StateRoot, "selftest-hostdir");

    private const string HostDirPrefix = "sublet-selftest-";

    /// <param name="range">The user-namespaced probe pod's host IDs.</param>
    /// <param name="victimRange">The user-namespaced victim pod's host IDs, apart from <paramref name="range"/>.</param>
    public IReadOnlyList<ProbeResult> Run(string image, IdRange range, IdRange victimRange, string shadowPath = "/etc/shadow")
    {
        RemoveStale();
        var scratch = Path.Combine(ScratchRoot, Guid.NewGuid().ToString("N")[..12]);
        var made = new List<string>();
        SandboxEntry Made(SandboxEntry sandbox)
        {
            made.Add(sandbox.Id);
            return sandbox;
        }
        using var hostVictim = HostVictim.Start();
        // Under /tmp, not the state root: its 0700 would stop the escaped process before the file's mode does.
        var hostDir = Directory.CreateTempSubdirectory(HostDirPrefix).FullName;
        try
        {
            File.WriteAllText(HostDirRecord, hostDir);
            File.SetUnixFileMode(hostDir, Mode0755);
            var hostFile = Path.Combine(hostDir, "root-owned");
            File.WriteAllText(hostFile, "host root's\n");
            File.SetUnixFileMode(hostFile, Mode0644);
            var facts = HostFacts();
            facts[ProbeEnv.HostFile] = hostFile;
            var with = new Side(Made(core.RunSandbox(Sandbox("userns", range))),
                Victim(Made(core.RunSandbox(Sandbox("userns-victim", victimRange))), image, hostVictim.Pid, facts));
            var without = new Side(Made(core.RunSandbox(Sandbox("host-users", null))),
                Victim(Made(core.RunSandbox(Sandbox("host-users-victim", null))), image, hostVictim.Pid, facts));
            var n = 0;
            string Dir() => Path.Combine(scratch, (++n).ToString(CultureInfo.InvariantCulture));
            return [.. SelftestProbes.All.Select(probe => SelftestProbes.Judge(probe,
                Attempt(with, probe, image, Dir(), shadowPath), Attempt(without, probe, image, Dir(), shadowPath)))];
        }
        finally
        {
            foreach (var id in made)
            {
                core.RemoveSandbox(id);
            }
            Directories.Remove(ScratchRoot);
            Directories.Remove(hostDir);
            File.Delete(HostDirRecord);
        }
    }

    private static SandboxConfig Sandbox(string kind, IdRange? range) => new()
    {
        Name = $"selftest-{kind}", Namespace = "sublet-selftest", Uid = Guid.NewGuid().ToString(), Hostname = "selftest",
        UserNamespace = range, Owner = Owner.Selftest,
    };

    private static readonly (string Unshare, string Loader, string Libc)? HostUnshare =
        ProbeEnv.HostUnshare(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture, File.Exists);

    /// <summary>What every probe script of this node may read: syscall numbers, the host's root disk, how to run unshare.</summary>
    private static Dictionary<string, string> HostFacts()
    {
        var facts = new Dictionary<string, string>(ProbeEnv.Syscalls(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture));
        foreach (var (key, value) in ProbeEnv.RootDisk(File.ReadAllText("/proc/self/mountinfo")) ?? new Dictionary<string, string>())
        {
            facts[key] = value;
        }
        facts[ProbeEnv.Unshare] = ProbeEnv.UnshareCommand(HostUnshare is not null);
        return facts;
    }

    /// <summary>
    /// One probe in one sandbox, once per working directory it tries; true when any attempt worked.
    /// A capability that must work is given a second try (noted, so a flaky node shows); an attack never is: once is an escape.
    /// </summary>
    private bool Attempt(Side side, Probe probe, string image, string dir, string shadowPath)
    {
        bool Once(string suffix) => probe.By switch
        {
            Attacker.Escaped => Escaped(side, probe),
            Attacker.Exec => ExecAttempt(side, probe, image),
            Attacker.HostRunsPlanted => PlantedAttempt(side, probe, image),
            _ => (probe.WorkingDirs ?? [""]).Select((cwd, i) =>
                    AttemptOnce(side, probe, image, Path.Combine(dir, suffix + i.ToString(CultureInfo.InvariantCulture)), shadowPath, cwd))
                .ToList().Any(worked => worked),
        };
        return Once("a") || (probe.WithUserNamespace == Expect.Works && Once("b"));
    }

    /// <summary>One probe in a new container with new host files; true when the attack worked. A container that can't even start did not work.</summary>
    private bool AttemptOnce(Side side, Probe probe, string image, string dir, string shadowPath, string workingDir)
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, Mode0755);
        File.WriteAllText(Path.Combine(dir, "root-owned"), "host root's\n");
        File.SetUnixFileMode(Path.Combine(dir, "root-owned"), Mode0644);
        MountSpec[] mounts = probe.Mount switch
        {
            ProbeMount.RootOwnedDir => [new MountSpec(SelftestProbes.Dir, dir, false, Sandboxes.MountPropagation.None, Idmapped: false)],
            ProbeMount.Shadow => [new MountSpec(SelftestProbes.Shadow, shadowPath, true, Sandboxes.MountPropagation.None, Idmapped: false)],
            ProbeMount.HostUnshare when HostUnshare is { } tools =>
            [
                HostFile("unshare", tools.Unshare), HostFile("ld.so", tools.Loader), HostFile(Path.GetFileName(tools.Libc), tools.Libc),
            ],
            _ => [],
        };
        var ran = RunToExit(side, Config(probe, image, mounts, workingDir, side.Env), startMayFail: workingDir.Length > 0);
        if (ran is not { } exit)
        {
            return false; // runc refused the working directory: the attack did not get in
        }
        return Judged(side, probe, exit.Code, exit.Output);
    }

    private static MountSpec HostFile(string name, string hostPath) =>
        new($"{ProbeEnv.HostTools}/{name}", hostPath, true, Sandboxes.MountPropagation.None, Idmapped: false);

    /// <summary>Judges one run's exit and output, noting how a run that did not work ended.</summary>
    private bool Judged(Side side, Probe probe, int code, string output)
    {
        var worked = SelftestProbes.Worked(probe, code, output);
        if (!worked || code != 0)
        {
            Notes.Add($"{probe.Name} in {side.Pod.Config.Name}: exit {code}: {LastLine(output)}");
        }
        return worked;
    }

    /// <summary>
    /// Creates, starts and waits for a probe container; its exit code and output, or null when
    /// runc refused to create or start it and <paramref name="startMayFail"/>. Removed whatever happens,
    /// after <paramref name="beforeRemoval"/> has looked at what it left.
    /// </summary>
    private (int Code, string Output)? RunToExit(Side side, ContainerConfig config, bool startMayFail, Action<ContainerEntry, int>? beforeRemoval = null)
    {
        ContainerEntry container;
        try
        {
            container = core.CreateContainer(side.Pod.Id, config);
        }
        catch (Exception e) when (startMayFail && e is RuntimeFailure or RuntimeError)
        {
            return null;
        }
        try
        {
            try
            {
                core.StartContainer(container.Id);
            }
            catch (RuntimeError e) when (e.Kind == ErrorKind.Internal && startMayFail)
            {
                return null;
            }
            var code = WaitForExit(container.Id);
            beforeRemoval?.Invoke(container, code);
            return (code, Output(container.LogPath));
        }
        finally
        {
            core.RemoveContainer(container.Id);
        }
    }

    private int WaitForExit(string containerId)
    {
        var deadline = DateTime.UtcNow + ProbeTimeout;
        while (true)
        {
            var view = core.ContainerStatus(containerId);
            if (view.State == CtrState.Exited)
            {
                return view.ExitCode ?? -1;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new RuntimeError(ErrorKind.Internal, $"probe container {view.Entry.Config.Name} did not finish within {ProbeTimeout.TotalSeconds:0} s");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>What a probe container wrote (CRI log lines' text, at most 64 KiB); never file contents a probe read (those go to /dev/null).</summary>
    private static string Output(string logPath)
    {
        try
        {
            var lines = File.ReadLines(logPath).Select(l => Monitor.CriLogLine.TryParse(l, out var line) ? line.Content : "");
            var text = string.Join('\n', lines);
            return text.Length > 65536 ? text[^65536..] : text;
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    private static ContainerConfig Config(Probe probe, string image, MountSpec[] mounts, string workingDir, IReadOnlyDictionary<string, string> env) => new()
    {
        Name = probe.Name, Image = image, Command = ["sh", "-c", probe.Script], Mounts = mounts,
        Security = new ProcessSecurity { UnmaskedProc = probe.UnmaskedProc, Privileged = probe.Privileged },
        WorkingDir = workingDir, Env = [.. env],
    };
}
