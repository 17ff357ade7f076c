using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 22's check "ten pods that reference one image, started at once, download each layer
/// once": ten <c>sublet play</c> processes, half with <c>imagePullPolicy: Always</c> and half with
/// <c>IfNotPresent</c>, start together against Debian's registry behind a counting
/// <see cref="RegistryProxy"/> that holds every blob body back for a while, so the first download
/// is still under way when the other pulls begin. Pulls take the image store's lock (across
/// processes), and a pull that gets it after another finds the blobs in the store.
/// </summary>
public sealed class RegistrySharedPullTests
{
    private const int Pods = 10;

    private static string Pod(string name, string image, string policy) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
          - name: c
            image: {{image}}
            imagePullPolicy: {{policy}}
            command: ["sh", "-c", "echo shared-image-runs"]
        """;

    [Fact]
    public async Task TenPodsOfOneImageStartedAtOnceDownloadEachBlobOnce()
    {
        using var env = new SubletEnv($"maxPods: {Pods}");
        env.UsePrivatePool(Pods);
        using var registry = new LocalRegistry();
        registry.Push(DemoImage.Layout, "demo/busybox", "1.0");
        using var proxy = new RegistryProxy(registry) { BlobDelay = TimeSpan.FromSeconds(3) };
        var image = $"{proxy.Domain}/demo/busybox:1.0";
        var manifests = Enumerable.Range(0, Pods)
            .Select(i => env.WriteManifest(Pod($"shared{i}", image, i % 2 == 0 ? "Always" : "IfNotPresent"), $"shared{i}.yaml")).ToList();

        var plays = new List<(Process Process, Task<string> Stdout, Task<string> Stderr)>();
        try
        {
            foreach (var manifest in manifests)
            {
                var process = env.Start("play", "--wait", manifest);
                plays.Add((process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync()));
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            foreach (var (process, stdout, stderr) in plays)
            {
                await process.WaitForExitAsync(timeout.Token);
                var (output, errors) = (await stdout, await stderr);
                Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{errors}");
                Assert.Contains("shared-image-runs", output);
            }
        }
        finally
        {
            foreach (var (process, _, _) in plays)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.Dispose();
            }
        }

        var manifestGets = proxy.Exchanges.Count(e => e.Method == "GET" && e.Path.Contains("/manifests/", StringComparison.Ordinal));
        var blobGets = proxy.Exchanges.Where(e => e.Method == "GET" && e.Blob is not null)
            .GroupBy(e => e.Blob!).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(manifestGets >= Pods / 2, $"{manifestGets} manifest GETs: every Always pod pulls");
        Assert.Equal(Blobs(DemoImage.Layout).ToDictionary(b => b, _ => 1), blobGets);
        env.AssertNoLeftovers();
    }

    /// <summary>The config and layer digests of the layout's image.</summary>
    private static IEnumerable<string> Blobs(string layout)
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "blobs", "sha256", ((string)index["manifests"]![0]!["digest"]!)[7..])))!;
        return new[] { (string)manifest["config"]!["digest"]! }.Concat(manifest["layers"]!.AsArray().Select(l => (string)l!["digest"]!));
    }
}
