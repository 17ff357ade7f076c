using System.CommandLine;
using Sublet.Cli.Output;
using Sublet.IdMapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.Selftest;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet selftest</c>: tries container escapes on this node, each in a user-namespaced pod and
/// in a host-users pod, and shows side by side what user namespaces stop (issue 24 item 1).
/// Exit status 1 when an attack worked in the user-namespaced pod.
/// </summary>
internal static class SelftestCommand
{
    public static Command Create()
    {
        var image = new Option<string>("--image") { Description = "Image with sh, mknod and unshare for the probe pods", DefaultValueFactory = _ => "localhost/busybox:demo" };
        var output = Cli.OutputOption("table", "json");
        var command = new Command("selftest", "Try container escapes with and without user namespaces on this node and show what they stop") { image, output };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            if (!Linux.Processes.Posix.IsRoot)
            {
                throw new RuntimeFailure("sublet selftest must run as root: it starts pods");
            }
            if (ctx.Images.Find(parse.GetValue(image)!) is null)
            {
                throw new RuntimeFailure($"image \"{parse.GetValue(image)}\" is not in the store: load one with sh, mknod and unshare (./sublet play loads localhost/busybox:demo) or name another with --image");
            }
            var core = new RuntimeCore(ctx);
            var runner = new SelftestRunner(ctx, core);
            runner.RemoveStale();
            var inUse = ctx.Store.Allocations().Select(a => a.Range)
                .Concat(new Sublet.Runtime.Audit.LiveIdAudit(ctx).LiveRanges().Select(l => l.Range)).ToList();
            var range = Cli.Allocator(ctx.Config).Allocate(inUse);
            // The second user-namespaced pod, the victim of the lateral probes, needs a range of its own.
            var victimRange = Cli.Allocator(ctx.Config).Allocate([.. inUse, range]);
            var results = runner.Run(parse.GetValue(image)!, range, victimRange);
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(new SelftestJson(Environment.MachineName, $"0 {range.Start} {range.Length}", results, runner.Notes));
            }
            else
            {
                Console.WriteLine($"probe pods: one with user namespace host IDs {range.Start}-{range.End - 1}, one with host users, each beside a victim pod of its kind; attacks as the pod's root (default capabilities unless privileged) or as a process escaped from it");
                Table.Write(["PROBE", "WITH USER NAMESPACE", "WITHOUT", "VERDICT"],
                    results.Select(r => (IReadOnlyList<string>)[r.Probe, Worked(r.WorkedWithUserns), Worked(r.WorkedWithoutUserns), r.Verdict]));
                foreach (var note in runner.Notes)
                {
                    Console.WriteLine($"note: {note}");
                }
            }
            return results.Any(r => r.Escaped) ? 1 : 0;
        }));
        return command;
    }

    private static string Worked(bool worked) => worked ? "worked" : "blocked";
}
