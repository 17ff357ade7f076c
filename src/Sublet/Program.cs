using System.CommandLine;
using Sublet.Cli.Commands;

namespace Sublet.Cli;

internal static class Program
{
    private static int Main(string[] args) => Cli.Run(args, "sublet: run Kubernetes pods in their own user namespaces", () =>
    [
        PlayCommand.Create(), ApplyCommand.Create(), DownCommand.Create(), PsCommand.Create(), LogsCommand.Create(),
        InspectCommand.Create(), IdsCommand.Create(), ImageCommands.Load(), ImageCommands.List(), PullCommand.Create(),
        ImageCommands.Remove(), DoctorCommand.Create(), CheckCommand.Create(), ExecCommand.Create(), AttachCommand.Create(), PortForwardCommand.Create(), InternalCommands.Create(),
        StatsCommand.Create(), ServeCommand.Create(), SelftestCommand.Create(),
    ]);
}
