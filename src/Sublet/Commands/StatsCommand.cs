using System.CommandLine;
using System.Globalization;
using Sublet.Cli.Output;
using Sublet.Linux;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet stats [POD]</c>: CPU and memory per container, from the containers' cgroups.</summary>
internal static class StatsCommand
{
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var pod = new Argument<string?>("pod") { Description = "Pod name (NAMESPACE/NAME) or id; default: every pod", Arity = ArgumentArity.ZeroOrOne };
        var output = Cli.OutputOption("table", "json");
        var command = new Command("stats", "Show CPU and memory use per container") { pod, output };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var name = parse.GetValue(pod);
            var core = new Sublet.Runtime.Sandboxes.RuntimeCore(ctx, shareStore: true);
            var played = name is null ? ctx.Store.Pods().ToList() : ctx.Store.FindPod(name) is { } one ? [one] : [];
            var cri = name is null ? core.ListSandboxes(Sublet.Runtime.Sandboxes.Owner.Cri).ToList()
                : played.Count > 0 ? [] : [CriPods.Find(core, name) ?? throw new NotFoundException($"pod \"{name}\" not found")];
            var status = new PodStatus(ctx);
            // CRI pods are read around the same interval as play's (one sleep for all).
            var first = cri.ToDictionary(s => s.Entry.Id, s => Read(core, s.Entry.Id));
            var stats = StatsSampler.Sample([.. played.Select(p => status.View(p))], new CgroupFs(), Sample).ToList();
            if (played.Count == 0 && cri.Count > 0)
            {
                Thread.Sleep(Sample);
            }
            stats.AddRange(cri.Select(s => CriPodStats(s, first[s.Entry.Id], Read(core, s.Entry.Id))).OfType<PodStats>());
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(stats);
                return 0;
            }
            Table.Write(["POD", "NAMESPACE", "CONTAINER", "STATE", "CPU %", "CPU TIME", "MEM WORKING SET", "MEM USAGE", "MEM LIMIT"],
                stats.SelectMany(p => p.Containers.Select(c => (IReadOnlyList<string>)[p.Name, p.Namespace, c.Name, c.State,
                    c.CpuPercent is { } percent ? percent.ToString("0.0", CultureInfo.InvariantCulture) : "-",
                    c.CpuSeconds is { } seconds ? seconds.ToString("0.00", CultureInfo.InvariantCulture) + "s" : "-",
                    Bytes(c.MemoryWorkingSetBytes), Bytes(c.MemoryUsageBytes),
                    c.MemoryUsageBytes is null ? "-" : c.MemoryLimitBytes is null ? "none" : Bytes(c.MemoryLimitBytes)])));
            return 0;
        }));
        return command;
    }

    private static Sublet.Runtime.Sandboxes.SandboxUsage? Read(Sublet.Runtime.Sandboxes.RuntimeCore core, string id)
    {
        try
        {
            return core.SandboxStats(id);
        }
        catch (Sublet.Runtime.RuntimeError)
        {
            return null; // removed meanwhile
        }
    }

    /// <summary>A CRI pod's containers as the same rows as play's: CPU rate between the two readings.</summary>
    private static PodStats? CriPodStats(Sublet.Runtime.Sandboxes.SandboxView pod, Sublet.Runtime.Sandboxes.SandboxUsage? before, Sublet.Runtime.Sandboxes.SandboxUsage? after) =>
        after is null ? null : new PodStats(pod.Entry.Id, pod.Entry.Config.Name, pod.Entry.Config.Namespace, [.. after.Containers.Select(c =>
        {
            var earlier = before?.Containers.FirstOrDefault(b => b.Entry.Id == c.Entry.Id);
            var percent = earlier is null ? null : StatsSampler.CpuPercent(earlier.Cgroup.CpuNanos, c.Cgroup.CpuNanos, c.Cgroup.Time - earlier.Cgroup.Time);
            return new ContainerStats(c.Entry.Id, c.Entry.Config.Name, c.Cgroup.Memory is null ? "Exited" : "Running", c.Cgroup.CpuNanos / 1e9, percent,
                c.Cgroup.Memory?.Usage, c.Cgroup.Memory?.WorkingSet, c.Cgroup.Memory?.Limit);
        })]);

    /// <summary>Binary units as Kubernetes quantities write them (Ki, Mi, Gi).</summary>
    internal static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        >= 1L << 30 => (bytes.Value / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + "Gi",
        >= 1L << 20 => (bytes.Value / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + "Mi",
        >= 1L << 10 => (bytes.Value / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + "Ki",
        _ => bytes.Value.ToString(CultureInfo.InvariantCulture) + "B",
    };
}
