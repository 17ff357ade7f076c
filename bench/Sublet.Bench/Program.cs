using System.Globalization;
using Sublet.Linux.Processes;

namespace Sublet.Bench;

internal sealed record Options(string Mode, string Storage, int Rounds, int Warmup, int BaselineRounds, string? RepoRoot, string? Sublet)
{
    /// <summary>podstart: also the CRI path against sublet serve and containerd.</summary>
    public bool Cri { get; init; } = true;

    /// <summary>density: how many pods.</summary>
    public int Pods { get; init; } = 110;
}

internal static class Program
{
    private const string Usage = """
        usage: sublet-bench [rootfs|podstart|density|chowncopy] [--rounds N] [--warmup N] [--storage ext4|tmpfs] [--baseline-rounds N]
          rootfs    RootfsBuilder.Prepare for a 10-file vs a 50,000-file image (default: 30 rounds, 3 warm-ups,
                    journaled loop ext4, 3 rounds of the cp -a + chown baseline)
          podstart  `sublet play --wait` with and without hostUsers: false, the same pod by hand with runc,
                    and the CRI path against `sublet serve` and Debian's containerd (--no-cri: without)
                    (default: 10 rounds, 1 warm-up); needs ./sublet built (run `./sublet --help` once)
                    or --sublet PATH to another build of the CLI
          density   --pods N (110) user-namespaced pods through `sublet serve`, one after another, then
                    10 at a time: time per pod as the node fills, daemon RSS, memory per pod
          chowncopy the chown-copy fallback (LayerCopies.Ensure + Prepare, empty and filled cache) vs idmapped
                    layers, on the demo image and a 50,000-file layer (default: 5 rounds, 1 warm-up)
        Runs as root. Ctrl-C stops after cleaning up.
        """;

    public static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (!Posix.IsRoot)
        {
            Console.Error.WriteLine("sublet-bench: mounts and user namespaces need root");
            return 1;
        }
        using var interrupt = new Interrupt();
        try
        {
            return options.Mode switch
            {
                "podstart" => PodStartBench.Run(options, interrupt.Token),
                "chowncopy" => ChownCopyBench.Run(options, interrupt.Token),
                "density" => DensityBench.Run(options, interrupt.Token),
                _ => RootfsBench.Run(options, interrupt.Token),
            };
        }
        // Every exception is caught here: .NET runs finally blocks (the cleanup) only while
        // unwinding to a handler, never for an exception that ends the process unhandled.
        catch (Exception e) when (e is OperationCanceledException || interrupt.Token.IsCancellationRequested)
        {
            // A Ctrl-C also reaches our children (same process group), so a child may fail first.
            Console.Error.WriteLine("sublet-bench: interrupted (cleaned up)");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"sublet-bench: {e}");
            return 1;
        }
    }

    private static Options Parse(string[] args)
    {
        var mode = "rootfs";
        string storage = "ext4";
        int? rounds = null, warmup = null;
        var baseline = 3;
        string? repo = null, sublet = null;
        var cri = true;
        var pods = 110;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), NumberStyles.None, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "rootfs" or "podstart" or "chowncopy" or "density": mode = args[i]; break;
                case "--no-cri": cri = false; break;
                case "--pods": pods = Int(); break;
                case "--rounds": rounds = Int(); break;
                case "--warmup": warmup = Int(); break;
                case "--baseline-rounds": baseline = Int(); break;
                case "--storage": storage = Next(); break;
                case "--repo": repo = Next(); break;
                case "--sublet": sublet = Next(); break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }
        if (storage is not ("ext4" or "tmpfs")) throw new ArgumentException("--storage is ext4 or tmpfs");
        return mode switch
        {
            "podstart" => new Options(mode, storage, rounds ?? 10, warmup ?? 1, baseline, repo, sublet) { Cri = cri },
            "density" => new Options(mode, storage, rounds ?? 1, warmup ?? 0, baseline, repo, sublet) { Pods = pods },
            "chowncopy" => new Options(mode, storage, rounds ?? 5, warmup ?? 1, baseline, repo, sublet),
            _ => new Options(mode, storage, rounds ?? 30, warmup ?? 3, baseline, repo, sublet),
        };
    }
}
