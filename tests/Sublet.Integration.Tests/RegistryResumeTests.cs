using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 22 items 2 and 7: a <c>sublet pull</c> killed mid-download leaves its bytes in the
/// store's <c>partial/</c>, and the next pull asks Debian's registry for the rest only
/// (<c>Range: bytes=N-</c>, answered 206) and completes the blob. Requests go through a counting
/// <see cref="RegistryProxy"/>, which also holds the first download still so it can be killed.
/// </summary>
public sealed class RegistryResumeTests
{
    private const int LayerBytes = 16 << 20;
    private const long KilledAt = 6 << 20;

    [Fact]
    public void APullKilledMidDownloadIsResumedWithRangeByTheNextPull()
    {
        using var env = new SubletEnv();
        using var registry = new LocalRegistry(accessLog: true);
        using var proxy = new RegistryProxy(registry);
        var layout = TestImages.Write(Path.Combine(env.Root, "big-layout"), "localhost/big:test",
            [TestImages.RegularFile("big.bin", RandomNumberGenerator.GetBytes(LayerBytes))]);
        registry.Push(layout, "demo/big", "1");
        var (layer, layerSize) = LastLayer(layout);
        var image = $"{proxy.Domain}/demo/big:1";
        var partial = Path.Combine(env.StateRoot, "images", "partial", layer[7..]);
        var blob = Path.Combine(env.StateRoot, "images", "blobs", "sha256", layer[7..]);

        proxy.StallNext(layer, KilledAt);
        using (var pull = env.Start("pull", image))
        {
            var killed = false;
            try
            {
                var deadline = Stopwatch.StartNew();
                while (!(File.Exists(partial) && new FileInfo(partial).Length >= KilledAt) && deadline.Elapsed < TimeSpan.FromSeconds(60) && !pull.HasExited)
                {
                    Thread.Sleep(20);
                }
                if (pull.HasExited) Assert.Fail($"the pull ended before it was killed: exit {pull.ExitCode}\n{pull.StandardError.ReadToEnd()}");
                Assert.True(File.Exists(partial), $"no partial download at {partial} after 60 s");
                pull.Kill(); // SIGKILL: no cleanup of any kind runs
                killed = true;
                pull.WaitForExit();
            }
            finally
            {
                if (!killed && !pull.HasExited) pull.Kill();
            }
        }

        Assert.Equal(KilledAt, new FileInfo(partial).Length);
        Assert.False(File.Exists(blob));
        Assert.Empty(env.Json("images").EnumerateArray());

        var resumed = env.Run("pull", image);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"layer {layer[..19]}: resuming at 6.0 MB of", resumed.Stdout);
        var gets = proxy.Exchanges.Where(e => e.Blob == layer).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Equal((null, 200, KilledAt), (gets[0].Range, gets[0].Status, gets[0].BodyBytes));
        Assert.Equal(($"bytes={KilledAt}-", 206, layerSize - KilledAt), (gets[1].Range, gets[1].Status, gets[1].BodyBytes));
        // The registry's own word: it served the rest as a partial response.
        Assert.Contains(registry.AccessLog(), l => l.Contains($"GET /v2/demo/big/blobs/{layer} HTTP/1.1\" 206 {layerSize - KilledAt} ", StringComparison.Ordinal));
        Assert.Equal(layer, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(blob))));
        Assert.False(File.Exists(partial));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(env.StateRoot, "images", "partial")));
        Assert.Single(env.Json("images").EnumerateArray());
    }

    private static (string Digest, long Size) LastLayer(string layout)
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "blobs", "sha256", ((string)index["manifests"]![0]!["digest"]!)[7..])))!;
        var last = manifest["layers"]!.AsArray()[^1]!;
        return ((string)last["digest"]!, (long)last["size"]!);
    }
}
