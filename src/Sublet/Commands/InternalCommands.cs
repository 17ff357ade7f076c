using System.CommandLine;
using Sublet.Runtime.Pods;

namespace Sublet.Cli.Commands;

/// <summary>Commands Sublet runs itself: conmon's --exit-command lands here.</summary>
internal static class InternalCommands
{
    public static Command Create()
    {
        var id = new Argument<string>("container-id");
        var exited = new Command("container-exited", "Record a container's exit (run by conmon)") { id };
        exited.SetAction(parse => Cli.Run(parse, ctx =>
        {
            new PodStatus(ctx).RecordExit(parse.GetValue(id)!);
            return 0;
        }));
        return new Command("internal", "Used by Sublet's own helpers") { Hidden = true, Subcommands = { exited } };
    }
}
