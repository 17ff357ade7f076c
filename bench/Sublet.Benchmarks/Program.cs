using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Sublet.Benchmarks;

public static class Program
{
    /// <summary>
    /// ShortRun (1 launch, 3 warm-ups, 3 iterations) in process: no per-benchmark project is
    /// generated and built, which on these 2-core shared machines would take longer than the
    /// measurements. Pass BenchmarkDotNet's own options after `--` (e.g. `--filter *Slot*`).
    /// </summary>
    public static void Main(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
            .AddColumn(StatisticColumn.Median, StatisticColumn.P90)
            .WithArtifactsPath(Path.Combine(ProjectDir(), "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    /// <summary>bench/Sublet.Benchmarks (above bin/Release/net10.0), so results land next to the project, not in the caller's directory.</summary>
    private static string ProjectDir()
    {
        for (var dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Sublet.Benchmarks.csproj"))) return dir;
        }
        return Environment.CurrentDirectory;
    }
}
