using Sublet.Kubelet.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>Output Sublet captures from programs it runs (a hook is the pod's own program) stays bounded.</summary>
public sealed class BoundedOutputTests
{
    [Fact]
    public async Task AnEndlessWriterIsCutAtTheLimitAndDrainedToTheEnd()
    {
        var reader = new StringReader(new string('y', 3 * ProcessRunner.OutputLimit + 17));
        var kept = await ProcessRunner.ReadBounded(reader);
        Assert.Equal(ProcessRunner.OutputLimit, kept.Length);
        Assert.Equal(-1, reader.Peek());
    }

    [Fact]
    public async Task ShortOutputIsKeptWhole() => Assert.Equal("ok\n", await ProcessRunner.ReadBounded(new StringReader("ok\n")));

    [Fact]
    public void AHookFailureMessageKeepsTheLastFourKiB()
    {
        var output = new string('a', 10_000) + "the end";
        var tail = LifecycleHooks.Tail(output);
        Assert.Equal(4097, tail.Length);
        Assert.EndsWith("the end", tail);
        Assert.Equal("short", LifecycleHooks.Tail("short"));
    }
}
