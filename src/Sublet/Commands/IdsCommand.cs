using System.CommandLine;
using Sublet.Cli.Output;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet ids</c>: the host ID ranges held by pods.</summary>
internal static class IdsCommand
{
    public static Command Create()
    {
        var output = Cli.OutputOption("table", "json");
        var verify = new Option<bool>("--verify") { Description = "Audit the live node: every pod process's IDs and maps inside its range, no overlaps, no foreign user namespace in a pod's range (exit 1 on any finding)" };
        var command = new Command("ids", "Show the host UID/GID ranges allocated to pods") { output, verify };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            if (parse.GetValue(verify))
            {
                return Verify(ctx, parse.GetValue(output) == "json");
            }
            var rows = ctx.Store.Allocations().Select(a => new IdRowJson(
                Pod: a.PodName, a.PodNamespace, a.PodId, HostIdStart: a.Range.Start, Length: a.Range.Length,
                HostIdEnd: (long)a.Range.End - 1, a.Created)).ToList();
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(rows);
                return 0;
            }
            var pool = Cli.Allocator(ctx.Config);
            Console.WriteLine($"pool: {pool.Pool.Source}, first {pool.Pool.First}, {pool.SlotCount} ranges of {pool.Pool.IdsPerPod} IDs, {rows.Count} in use");
            Table.Write(["POD", "NAMESPACE", "HOST UIDS/GIDS", "LENGTH", "POD ID"],
                rows.Select(r => (IReadOnlyList<string>)[r.Pod, r.PodNamespace, $"{r.HostIdStart}-{r.HostIdEnd}", r.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), r.PodId[..12]]));
            return 0;
        }));
        return command;
    }

    private static int Verify(Sublet.Runtime.Pods.RuntimeContext ctx, bool json)
    {
        var (findings, pods, processes) = new Sublet.Runtime.Audit.LiveIdAudit(ctx).Run();
        if (json)
        {
            Table.WriteJson(new IdsVerifyJson(pods, processes, findings));
        }
        else if (findings.Count == 0)
        {
            Console.WriteLine($"no findings: {pods} pods, {processes} processes checked");
        }
        else
        {
            Table.Write(["POD", "CHECK", "DETAIL"], findings.Select(f => (IReadOnlyList<string>)[f.Pod, f.Check, f.Detail]));
        }
        return findings.Count == 0 ? 0 : 1;
    }
}
