using System.CommandLine;
using Sublet.Cli.Commands;

namespace Sublet.Cli;

/// <summary><c>subletd [--config F] serve …</c>: what <c>sublet serve</c> execs (<see cref="ServeCommand"/>).</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (Linux.Interop.Architecture.Unsupported() is { } refusal)
        {
            Console.Error.WriteLine($"Error: {refusal}");
            return 1;
        }
        Linux.Processes.SignalMask.UnblockAll();
        ServeCommand.Server = ServeHost.Run;
        var root = new RootCommand("subletd: Sublet's CRI v1 server (run as `sublet serve`)")
        {
            Options = { Cli.ConfigOption },
            Subcommands = { ServeCommand.Create() },
        };
        return root.Parse(args).Invoke();
    }
}
