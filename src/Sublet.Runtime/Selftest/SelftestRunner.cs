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

    /// <summary>One probe in one sandbox, in a new container with new host files; true when the attack worked (exit 0).</summary>
    private bool Attempt(SandboxEntry sandbox, Probe probe, string image, string dir, string shadowPath)
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
        var container = core.CreateContainer(sandbox.Id, new ContainerConfig
        {
            Name = probe.Name, Image = image, Command = ["sh", "-c", probe.Script], Mounts = mounts,
            Security = new ProcessSecurity { UnmaskedProc = probe.UnmaskedProc },
        });
        try
        {
            core.StartContainer(container.Id);
            var deadline = DateTime.UtcNow + ProbeTimeout;
            while (true)
            {
                var view = core.ContainerStatus(container.Id);
                if (view.State == CtrState.Exited)
                {
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
}
