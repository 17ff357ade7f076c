using Sublet.Kubelet.Pods;

namespace Sublet.Runtime.Tests;

public sealed class StatsSamplerTests
{
    [Theory]
    [InlineData(0L, 500000000L, 500, 100.0)]     // half a second of CPU in half a second: one core
    [InlineData(0L, 250000000L, 500, 50.0)]
    [InlineData(1000L, 1000L, 500, 0.0)]
    [InlineData(0L, 2000000000L, 1000, 200.0)]   // two cores busy
    public void Cpu_percent_is_of_one_cpu_over_the_sample(long before, long after, int millis, double percent) =>
        Assert.Equal(percent, StatsSampler.CpuPercent(before, after, TimeSpan.FromMilliseconds(millis))!.Value, 6);

    [Fact]
    public void Without_two_readings_there_is_no_percent()
    {
        Assert.Null(StatsSampler.CpuPercent(null, 5, TimeSpan.FromSeconds(1)));
        Assert.Null(StatsSampler.CpuPercent(5, null, TimeSpan.FromSeconds(1)));
        Assert.Null(StatsSampler.CpuPercent(5, 6, TimeSpan.Zero));
    }
}
