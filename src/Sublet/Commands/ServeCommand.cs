using System.CommandLine;
using Sublet.Runtime;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet serve [--listen PATH]</c>: the CRI v1 server a kubelet or crictl drives (issue 20
/// item 5). The server is its own executable, <c>subletd</c>, installed beside <c>sublet</c>:
/// ASP.NET Core, Kestrel and gRPC are ~30 % of the type data a Native AOT program rebuilds at
/// every start (docs/benchmarks.md §6), which every CLI command and pod start would pay for
/// without using it. In <c>sublet</c> this command checks its arguments and execs <c>subletd</c>
/// with them (same PID, so systemd and scripts see one process); in <c>subletd</c> it serves.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The daemon's executable, beside this one.</summary>
    public const string Daemon = "subletd";

    /// <summary>Runs the server: set by <c>subletd</c>; null in <c>sublet</c>, which execs the daemon.</summary>
    public static Func<ParseResult, string?, string?, int>? Server { get; set; }

    public static Command Create()
    {
        var listen = new Option<string?>("--listen")
        {
            Description = "Unix socket to serve CRI on (default <runRoot>/sublet.sock, i.e. /run/sublet/sublet.sock)",
        };
        var metrics = new Option<string?>("--metrics-listen")
        {
            Description = "Serve Prometheus metrics on ADDRESS:PORT (e.g. 127.0.0.1:9090; GET /metrics); off by default",
        };
        var command = new Command("serve", "Serve the Kubernetes CRI v1 (RuntimeService, ImageService) on a Unix socket for the kubelet and crictl") { listen, metrics };
        command.SetAction(parse => Server is { } server
            ? server(parse, parse.GetValue(listen), parse.GetValue(metrics))
            : Cli.Guard(ExecDaemon));
        return command;
    }

    /// <summary>Becomes <c>subletd</c> with this process's own arguments; a JIT build runs it through <c>dotnet</c> as it runs itself.</summary>
    private static int ExecDaemon()
    {
        var args = Environment.GetCommandLineArgs()[1..];
        var self = Environment.ProcessPath ?? throw new RuntimeFailure("sublet serve: cannot tell where this program is, so not where subletd is");
        var dir = Path.GetDirectoryName(self)!;
        if (Path.GetFileName(self) == "dotnet")
        {
            // `dotnet sublet.dll …`: the first argument of GetCommandLineArgs is the assembly's path.
            var dll = Path.Combine(AppContext.BaseDirectory, Daemon + ".dll");
            Require(dll);
            throw Linux.Processes.Posix.Exec(self, [self, dll, .. args]);
        }
        var daemon = Path.Combine(dir, Daemon);
        Require(daemon);
        throw Linux.Processes.Posix.Exec(daemon, [daemon, .. args]);
    }

    private static void Require(string path)
    {
        if (!File.Exists(path))
        {
            throw new RuntimeFailure($"sublet serve runs {path}, which is missing: it is built and installed with sublet (in a checkout, ./sublet serve builds it)");
        }
    }
}
