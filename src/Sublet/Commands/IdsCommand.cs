using System.CommandLine;
using Sublet.Cli.Output;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet ids</c>: the host ID ranges held by pods.</summary>
internal static class IdsCommand
{
    public static Command Create()
    {
        var output = Cli.OutputOption("table", "json");
        var command = new Command("ids", "Show the host UID/GID ranges allocated to pods") { output };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var rows = ctx.Store.Allocations().Select(a => new
            {
                Pod = a.PodName, a.PodNamespace, a.PodId, HostIdStart = (long)a.Range.Start, Length = (long)a.Range.Length,
                HostIdEnd = (long)a.Range.End - 1, a.Created,
            }).ToList();
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
}
