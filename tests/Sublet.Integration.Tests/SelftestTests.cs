namespace Sublet.Integration.Tests;

/// <summary><c>sublet selftest</c> on this node (issue 24 item 1): every attack contained, each shown to work without user namespaces, nothing left.</summary>
public sealed class SelftestTests
{
    [Fact]
    public void Every_probe_is_contained_with_user_namespaces_and_nothing_is_left()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var start = env.UsePrivatePool(1);

        var report = env.Json("selftest");

        Assert.Equal($"0 {start} 65536", report.GetProperty("userNamespace").GetString());
        var probes = report.GetProperty("probes").EnumerateArray().ToDictionary(p => p.GetProperty("probe").GetString()!);
        Assert.Equal(6, probes.Count);
        Assert.All(probes.Values, p => Assert.False(p.GetProperty("escaped").GetBoolean(), p.ToString()));
        foreach (var attack in new[] { "write-host-root-file", "create-in-host-root-dir", "read-host-shadow", "mknod-block-device", "chown-host-file" })
        {
            Assert.False(probes[attack].GetProperty("workedWithUserns").GetBoolean());
            Assert.True(probes[attack].GetProperty("workedWithoutUserns").GetBoolean(), $"{attack} should work without user namespaces, showing the probe is real");
        }
        Assert.True(probes["nested-user-namespace"].GetProperty("workedWithUserns").GetBoolean());
        env.AssertNoLeftovers();
        Assert.False(Directory.Exists(Path.Combine(env.StateRoot, "selftest")) && Directory.EnumerateFileSystemEntries(Path.Combine(env.StateRoot, "selftest")).Any());
    }
}
