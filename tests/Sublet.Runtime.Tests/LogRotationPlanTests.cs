using Sublet.Runtime.Config;
using Sublet.Runtime.Logs;

namespace Sublet.Runtime.Tests;

/// <summary>The kubelet's rotation rules (container_log_manager.go rotateLog) and its settings, decided without touching files.</summary>
public sealed class LogRotationPlanTests
{
    private const string Log = "/s/pods/p/c/app/0.log";
    private static readonly LogPolicy Policy = new(MaxBytes: 1000, MaxFiles: 3, MonitorInterval: TimeSpan.FromSeconds(10));
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 5, 15, 0, TimeSpan.Zero);

    [Fact]
    public void BelowTheLimitNothingHappensWhateverLiesAround()
    {
        var plan = RotationPlanner.Plan(Log, 999, [Log + ".20261201-000000", Log + ".20261202-000000", Log + ".20261203-000000"], Policy, Now);
        Assert.Same(RotationPlan.Nothing, plan);
    }

    [Fact]
    public void AtTheLimitTheLiveLogIsRenamedWithTheKubeletsTimestamp()
    {
        var plan = RotationPlanner.Plan(Log, 1000, [Log, "/s/pods/p/c/app/conmon.log"], Policy, Now);
        Assert.Equal(Log + ".20261203-051500", plan.RotateTo);
        Assert.Empty(plan.Delete);
        Assert.Empty(plan.Compress);
    }

    [Fact]
    public void TheOldestGoUntilTheNewOneFitsAndAllButTheNewestAreCompressed()
    {
        // MaxFiles 3 = the live log, the one rotated now, and one older (compressed).
        string[] siblings = [Log, Log + ".20261203-051000.gz", Log + ".20261203-051400", Log + ".20261203-050000.gz", Log + ".20261203-051200.gz"];
        var plan = RotationPlanner.Plan(Log, 5000, siblings, Policy, Now);
        Assert.Equal([Log + ".20261203-050000.gz", Log + ".20261203-051000.gz", Log + ".20261203-051200.gz"], plan.Delete);
        Assert.Equal([Log + ".20261203-051400"], plan.Compress);
        Assert.Equal(Log + ".20261203-051500", plan.RotateTo);
    }

    [Fact]
    public void TwoRotationsInOneSecondGetDistinctNamesThatSortInOrder()
    {
        string[] siblings = [Log + ".20261203-051500", Log + ".20261203-051500-1.gz"];
        var plan = RotationPlanner.Plan(Log, 5000, siblings, new LogPolicy(1000, 10, TimeSpan.FromSeconds(1)), Now);
        Assert.Equal(Log + ".20261203-051500-2", plan.RotateTo);
        var order = RotationPlanner.Rotated(Log, [.. siblings, plan.RotateTo!, Log + ".20261203-051500-10", Log + ".20261203-051501"]).Select(r => Path.GetFileName(r.Path));
        Assert.Equal(["0.log.20261203-051500", "0.log.20261203-051500-1.gz", "0.log.20261203-051500-2", "0.log.20261203-051500-10", "0.log.20261203-051501"], order);
    }

    [Fact]
    public void OtherFilesBesideTheLogAreNeverTouched()
    {
        // conmon's LOG.tmp (its reopen), our own half-written .gz.tmp, another log's rotations, odd names.
        string[] siblings = [Log + ".tmp", Log + ".20261203-051000.gz.tmp", "/s/pods/p/c/app/1.log.20261203-051000", Log + ".2026", Log + ".20261203-051000-x", Log + ".20261203-051000-0"];
        Assert.Empty(RotationPlanner.Rotated(Log, siblings));
        var plan = RotationPlanner.Plan(Log, 5000, siblings, Policy, Now);
        Assert.Empty(plan.Delete);
        Assert.Empty(plan.Compress);
    }

    [Theory]
    [InlineData("10Mi", 10L * 1024 * 1024)]
    [InlineData("1Ki", 1024L)]
    [InlineData("1.5Gi", 1610612736L)]
    [InlineData("500k", 500_000L)]
    [InlineData("2M", 2_000_000L)]
    [InlineData("4096", 4096L)]
    [InlineData("0", null)]
    [InlineData("-1Mi", null)]
    [InlineData("10MB", null)]
    [InlineData("ten", null)]
    [InlineData("", null)]
    public void SizesAreKubernetesQuantities(string text, long? bytes) => Assert.Equal(bytes, LogPolicy.ParseQuantity(text));

    [Theory]
    [InlineData("10s", 10_000.0)]
    [InlineData("250ms", 250.0)]
    [InlineData("1m30s", 90_000.0)]
    [InlineData("1h", 3_600_000.0)]
    [InlineData("1.5s", 1_500.0)]
    [InlineData("10", null)]
    [InlineData("10 s", null)]
    [InlineData("s", null)]
    [InlineData("", null)]
    public void IntervalsAreGoDurations(string text, double? milliseconds) =>
        Assert.Equal(milliseconds, LogPolicy.ParseDuration(text)?.TotalMilliseconds);

    [Fact]
    public void TheDefaultsAreTheKubelets()
    {
        var policy = LogPolicy.From(new NodeConfig());
        Assert.Equal(new LogPolicy(10 * 1024 * 1024, 5, TimeSpan.FromSeconds(10)), policy);
        Assert.Empty(LogPolicy.Problems(new NodeConfig()));
    }

    [Fact]
    public void BadSettingsAreNamedByField()
    {
        var problems = LogPolicy.Problems(new NodeConfig { ContainerLogMaxSize = "lots", ContainerLogMaxFiles = 1, ContainerLogMonitorInterval = "10ms" }).ToList();
        Assert.Equal(3, problems.Count);
        Assert.StartsWith("containerLogMaxSize: Invalid value: \"lots\"", problems[0]);
        Assert.Equal("containerLogMaxFiles: Invalid value: 1: must be greater than 1", problems[1]);
        Assert.StartsWith("containerLogMonitorInterval: Invalid value: \"10ms\"", problems[2]);
    }
}
