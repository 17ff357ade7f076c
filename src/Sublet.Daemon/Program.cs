using System.CommandLine;
using Sublet.Cli.Commands;

namespace Sublet.Cli;

/// <summary><c>subletd [--config F] serve …</c>: what <c>sublet serve</c> execs (<see cref="ServeCommand"/>).</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        ServeCommand.Server = ServeHost.Run;
        return Cli.Run(args, "subletd: Sublet's CRI v1 server (run as `sublet serve`)", () => [ServeCommand.Create()]);
    }
}
