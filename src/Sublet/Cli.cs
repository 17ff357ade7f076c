using System.CommandLine;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Kubernetes;
using Sublet.Kubernetes.Env;
using Sublet.Kubernetes.Manifests;
using Sublet.Linux;
using Sublet.Runtime;
using Sublet.Runtime.Config;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli;

/// <summary>Shared options and the one place where domain errors become a message and an exit code.</summary>
internal static class Cli
{
    public static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = $"Configuration file (default {NodeConfig.DefaultPath}; missing = defaults)",
        Recursive = true,
    };

    /// <summary>
    /// Both executables' <c>Main</c>: refuse an architecture the syscall numbers do not cover, clear
    /// a signal mask inherited through execve(2) (<see cref="Linux.Processes.SignalMask"/>), then run
    /// the command.
    /// </summary>
    public static int Run(string[] args, string description, Func<IEnumerable<Command>> commands)
    {
        if (Linux.Interop.Architecture.Unsupported() is { } refusal)
        {
            Console.Error.WriteLine($"Error: {refusal}");
            return 1;
        }
        Linux.Processes.SignalMask.UnblockAll();
        // A command line that names a command and asks for no help is parsed by the tree without
        // RootCommand's help and version options: their descriptions come from System.CommandLine's
        // ResourceManager, read at construction (~0.5 ms of a 24 ms `sublet ids`, docs/benchmarks.md
        // §6j). Help, --version, directives and every parse error go through the RootCommand, so
        // what they print is what it prints.
        if (!AsksForHelp(args))
        {
            var lean = new Command(Path.GetFileName(Environment.ProcessPath) ?? "sublet", description);
            var parsed = With(lean, commands()).Parse(args);
            if (parsed.Errors.Count == 0)
            {
                return parsed.Invoke();
            }
        }
        return With(new RootCommand(description), commands()).Parse(args).Invoke();
    }

    private static T With<T>(T root, IEnumerable<Command> commands) where T : Command
    {
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }
        root.Options.Add(ConfigOption);
        return root;
    }

    /// <summary>A help or version option or a directive before any "--" (after it, tokens are a container command's).</summary>
    private static bool AsksForHelp(string[] args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "-h" or "/h" or "--help" or "-?" or "/?" or "--version" || a.StartsWith('['));

    public static Option<string> OutputOption(params string[] formats) => new("--output", "-o")
    {
        Description = $"Output format: {string.Join(", ", formats)}",
        DefaultValueFactory = _ => formats[0],
        CustomParser = r =>
        {
            var value = r.Tokens.Count > 0 ? r.Tokens[0].Value : formats[0];
            if (!formats.Contains(value))
            {
                r.AddError($"--output: unsupported format \"{value}\": use one of {string.Join(", ", formats)}");
            }
            return value;
        },
    };

    /// <summary>Runs a command body: errors are one line on stderr and exit code 1 (125 for Sublet's own failures in play).</summary>
    public static int Run(ParseResult parse, Func<RuntimeContext, int> body) =>
        Guard(() =>
        {
            using var ctx = Context(parse);
            return body(ctx);
        });

    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"Error: {Line(e)}");
            return 1;
        }
    }

    /// <summary>
    /// An error as one line for the command line: its message, and for the errors a command fixes,
    /// that command (the runtime's and the kubelet's errors name no CLI; CriErrors maps them for gRPC).
    /// </summary>
    public static string Line(Exception e) => e switch
    {
        ImageNotFoundException { InnerException: null } => $"{e.Message}; load it with: sublet image load FILE|DIR",
        ImageNotFoundException => $"{e.Message}; or load it with: sublet image load FILE|DIR",
        StateConflictException { ExistingPod: { } pod } => $"{e.Message}; remove it with: sublet down {pod}",
        PodLeftBehindException left => $"{e.Message} (run: sublet down {left.Pod})",
        _ => e.Message,
    };

    public static NodeConfig Config(ParseResult parse) => ConfigLoader.Load(parse.GetValue(ConfigOption));

    public static RuntimeContext Context(ParseResult parse)
    {
        var config = Config(parse);
        if (!Linux.Processes.Posix.IsRoot)
        {
            throw new RuntimeFailure("sublet must run as root: it creates mounts and user namespaces");
        }
        return RuntimeContext.Create(config, ExitHook(parse));
    }

    /// <summary>What projected volumes show: the objects of <paramref name="file"/> first, then the store's (ObjectLookup).</summary>
    public static VolumeContent Objects(RuntimeContext ctx, Manifest? file, NodeFacts? node = null) =>
        new VolumeContent(new ObjectLookup(file, ctx.Store), () => node ?? NodeFacts.ForThisHost(ctx.Config.StateRoot, OomScore.MemoryCapacity()));

    /// <summary>
    /// conmon runs this when a container ends: <c>sublet [--config F] internal container-exited ID</c>.
    /// conmon leaves SIGPIPE ignored for it, which would pass on to the containers it starts:
    /// coreutils env resets it.
    /// </summary>
    private static ExitHook ExitHook(ParseResult parse)
    {
        var self = Self(parse, "internal", "container-exited");
        return new ExitHook("/usr/bin/env", ["--default-signal=PIPE", self.Program, .. self.Args]);
    }

    /// <summary>This program, with the same configuration, running <paramref name="command"/>.</summary>
    public static ExitHook Self(ParseResult parse, params string[] command)
    {
        var self = Environment.ProcessPath ?? "sublet";
        var args = new List<string>();
        if (Path.GetFileName(self) == "dotnet")
        {
            // `dotnet sublet.dll …` (a JIT build): the first argument is the assembly's path.
            args.Add(Path.GetFullPath(Environment.GetCommandLineArgs()[0]));
        }
        if (parse.GetValue(ConfigOption) is { } config)
        {
            args.Add("--config");
            args.Add(Path.GetFullPath(config));
        }
        args.AddRange(command);
        return new ExitHook(self, args);
    }

    /// <summary>The ID pool for <c>play</c>: the kubelet's (kube-userns.md §3.2).</summary>
    public static SlotAllocator Allocator(NodeConfig config)
    {
        static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
        var pool = PoolResolver.Resolve(Read(config.SubUidPath), Read(config.SubGidPath), (uint)config.UserNamespaces.IdsPerPod, config.MaxPods);
        return new SlotAllocator(pool);
    }

    /// <summary>The errors that end a command with one line (<see cref="Guard"/>) rather than a stack trace.</summary>
    public static bool IsUserFacing(Exception e) => e is ManifestException or PodRejectedException or ConfigException
        or ImageException or IdMappingException or RuntimeFailure or PlanException or StateConflictException
        or NotFoundException or LinuxError or IOException or UnauthorizedAccessException or RuntimeError or PodLeftBehindException;
}
