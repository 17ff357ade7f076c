using System.CommandLine;
using System.Globalization;
using Sublet.Cli.Output;
using Sublet.Linux;
using Sublet.Runtime.Pods;
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
            var records = name is null
                ? ctx.Store.Pods().ToList()
                : [ctx.Store.FindPod(name) ?? throw new NotFoundException($"pod \"{name}\" not found")];
            var status = new PodStatus(ctx);
            var stats = StatsSampler.Sample([.. records.Select(status.View)], new CgroupFs(), Sample);
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
