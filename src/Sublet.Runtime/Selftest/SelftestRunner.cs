using Sublet.IdMapping;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Selftest;

/// <summary>
/// Runs <see cref="SelftestProbes"/> on this node through the runtime core: one user-namespaced
/// sandbox with the given range and one host-users sandbox, a fresh probe container per attempt
/// with fresh host files, everything removed afterwards whatever happens. Its sandboxes are owned
/// by <see cref="Owner.Selftest"/>: no CRI client lists them, and they touch no other pod.
/// </summary>
public sealed class SelftestRunner(RuntimeContext ctx, ISandboxRuntime core)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);
    private static readonly UnixFileMode Mode0755 = (UnixFileMode)0b111_101_101;
    private static readonly UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;

    public IReadOnlyList<ProbeResult> Run(string image, IdRange range, string shadowPath = "/etc/shadow")
    {
        // What an interrupted earlier run left is ours to remove.
        foreach (var stale in core.ListSandboxes(Owner.Selftest))
        {
            core.RemoveSandbox(stale.Entry.Id);
        }
        var scratch = Path.Combine(ctx.Config.StateRoot, "selftest", Guid.NewGuid().ToString("N")[..12]);
        var made = new List<string>();
        try
        {
            var userns = core.RunSandbox(Sandbox("userns", range));
            made.Add(userns.Id);
            var host = core.RunSandbox(Sandbox("host-users", null));
            made.Add(host.Id);
            var n = 0;
            return [.. SelftestProbes.All.Select(probe => SelftestProbes.Judge(probe,
                Attempt(userns, probe, image, Path.Combine(scratch, (++n).ToString(System.Globalization.CultureInfo.InvariantCulture)), shadowPath),
                Attempt(host, probe, image, Path.Combine(scratch, (++n).ToString(System.Globalization.CultureInfo.InvariantCulture)), shadowPath)))];
        }
        finally
        {
            foreach (var id in made)
            {
                core.RemoveSandbox(id);
            }
            Directories.Remove(scratch);
        }
    }

    private static SandboxConfig Sandbox(string kind, IdRange? range) => new()
    {
        Name = $"selftest-{kind}", Namespace = "sublet-selftest", Uid = Guid.NewGuid().ToString(), Hostname = "selftest",
        UserNamespace = range, Owner = Owner.Selftest,
    };

    /// <summary>
    /// One probe in one sandbox, once per working directory it tries; true when any attempt worked.
    /// A capability that must work is given a second try (noted, so a flaky node shows); an attack never is: once is an escape.
    /// </summary>
    private bool Attempt(SandboxEntry sandbox, Probe probe, string image, string dir, string shadowPath)
    {
        bool Once(string suffix) => (probe.WorkingDirs ?? [""]).Select((cwd, i) =>
                AttemptOnce(sandbox, probe, image, Path.Combine(dir, suffix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), shadowPath, cwd))
            .ToList().Any(worked => worked);
        return Once("a") || (probe.WithUserNamespace == Expect.Works && Once("b"));
    }

    /// <summary>One probe in a new container with new host files; true when the attack worked (exit 0). A container that can't even start did not work.</summary>
    private bool AttemptOnce(SandboxEntry sandbox, Probe probe, string image, string dir, string shadowPath, string workingDir)
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, Mode0755);
        File.WriteAllText(Path.Combine(dir, "root-owned"), "host root's\n");
        File.SetUnixFileMode(Path.Combine(dir, "root-owned"), Mode0644);
        MountSpec[] mounts = probe.Mount switch
        {
            ProbeMount.RootOwnedDir => [new MountSpec(SelftestProbes.Dir, dir, false, Plan.MountPropagation.None, Idmapped: false)],
            ProbeMount.Shadow => [new MountSpec(SelftestProbes.Shadow, shadowPath, true, Plan.MountPropagation.None, Idmapped: false)],
            _ => [],
        };
        ContainerEntry container;
        try
        {
            container = core.CreateContainer(sandbox.Id, Config(probe, image, mounts, workingDir));
        }
        catch (Exception e) when (workingDir.Length > 0 && e is RuntimeFailure or RuntimeError)
        {
            return false; // runc refused the working directory: the attack did not get in
        }
        try
        {
            try
            {
                core.StartContainer(container.Id);
            }
            catch (RuntimeError e) when (e.Kind == ErrorKind.Internal && workingDir.Length > 0)
            {
                return false;
            }
            var deadline = DateTime.UtcNow + ProbeTimeout;
            while (true)
            {
                var view = core.ContainerStatus(container.Id);
                if (view.State == CtrState.Exited)
                {
                    if (view.ExitCode != 0)
                    {
                        Notes.Add($"{probe.Name} in {sandbox.Config.Name}: exit {view.ExitCode}: {LastLine(container.LogPath)}");
                    }
                    return view.ExitCode == 0;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new RuntimeError(ErrorKind.Internal, $"probe {probe.Name} did not finish within {ProbeTimeout.TotalSeconds:0} s");
                }
                Thread.Sleep(20);
            }
        }
        finally
        {
            core.RemoveContainer(container.Id);
        }
    }

    /// <summary>How each blocked attempt ended: the probe's last output line (EACCES, EPERM, …), for the report.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The text of the last line of a CRI log; never file contents a probe read (those go to /dev/null).</summary>
    private static string LastLine(string logPath)
    {
        try
        {
            var last = File.ReadLines(logPath).LastOrDefault();
            return last is not null && Monitor.CriLogLine.TryParse(last, out var line) ? line.Content : "(no output)";
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static ContainerConfig Config(Probe probe, string image, MountSpec[] mounts, string workingDir) => new()
    {
        Name = probe.Name, Image = image, Command = ["sh", "-c", probe.Script], Mounts = mounts,
        Security = new ProcessSecurity { UnmaskedProc = probe.UnmaskedProc, Privileged = probe.Privileged },
        WorkingDir = workingDir,
    };
}
