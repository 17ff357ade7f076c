namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 22: <c>sublet pull</c> and <c>play</c>'s imagePullPolicy against Debian's registry on
/// 127.0.0.1 (<see cref="LocalRegistry"/>), into the store <c>image load</c> uses.
/// </summary>
public sealed class RegistryPullTests
{
    private static string Pod(string name, string image, string policy = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
          - name: c
            image: {{image}}
            {{(policy.Length > 0 ? "imagePullPolicy: " + policy : "")}}
            command: ["sh", "-c", "echo pulled-image-runs; id -u"]
        """;

    [Fact]
    public void PullByTagAndByDigestThenRunAPodFromIt()
    {
        using var registry = new LocalRegistry();
        var digest = registry.Push(DemoImage.Layout, "demo/busybox", "1.0");
        using var env = new SubletEnv();
        var image = $"{registry.Domain}/demo/busybox:1.0";

        var pull = env.Run("pull", image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains($"Pulling {image} from {registry.Domain}", pull.Stdout);
        Assert.Matches(@"layer sha256:[0-9a-f]{12}: downloading", pull.Stdout);
        Assert.Contains($"Pulled image: {image} (digest {digest}", pull.Stdout);
        var images = env.Json("images").EnumerateArray().Select(i => (i.GetProperty("reference").GetString(), i.GetProperty("manifestDigest").GetString())).ToList();
        Assert.Equal([(image, digest)], images);
        Assert.Contains(digest, env.Ok("images", "--digests").Stdout);

        // By digest: nothing is downloaded again, the layers are shared.
        var pinned = env.Run("pull", $"{registry.Domain}/demo/busybox@{digest}");
        Assert.True(pinned.ExitCode == 0, pinned.ToString());
        Assert.Contains("already present", pinned.Stdout);
        Assert.DoesNotContain("downloading", pinned.Stdout);

        var run = env.Run("play", "--wait", env.WriteManifest(Pod("pulled", image, "Never")));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("pulled-image-runs", run.Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void PlayPullsALatestImageItDoesNotHaveAndRefusesNeverForAnAbsentOne()
    {
        using var registry = new LocalRegistry();
        registry.Push(DemoImage.Layout, "demo/busybox", "latest");
        using var env = new SubletEnv();
        var image = $"{registry.Domain}/demo/busybox";

        var never = env.Run("play", env.WriteManifest(Pod("never", image, "Never"), "never.yaml"));
        Assert.NotEqual(0, never.ExitCode);
        Assert.Contains($"image \"{image}\" is not in the store and its imagePullPolicy is Never; load it with: sublet image load FILE|DIR", never.Stderr);

        // No tag: Always, as Kubernetes defaults it.
        var run = env.Run("play", "--wait", env.WriteManifest(Pod("auto", image)));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Pulled image {image}:latest (sha256:", run.Stderr);
        Assert.Contains("pulled-image-runs", run.Stdout);
    }

    [Fact]
    public void ACorruptedLayerInTheRegistryIsRefusedAndNothingStays()
    {
        using var registry = new LocalRegistry();
        registry.Push(DemoImage.Layout, "demo/busybox", "1.0");
        var layer = Layer(DemoImage.Layout);
        var data = registry.BlobData(layer);
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(data, bytes);
        using var env = new SubletEnv();

        var pull = env.Run("pull", $"{registry.Domain}/demo/busybox:1.0");

        Assert.Equal(1, pull.ExitCode);
        Assert.Contains($"Error: pulling {registry.Domain}/demo/busybox:1.0 from {registry.Domain}: layer {layer}: digest mismatch", pull.Stderr);
        Assert.Empty(env.Json("images").EnumerateArray());
        var store = Path.Combine(env.StateRoot, "images");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store, "blobs", "sha256")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store, "layers")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store, "tmp")));
    }

    [Fact]
    public void AnUnknownRepositoryAndAStoppedRegistryAreErrorsNamingImageAndRegistry()
    {
        using var env = new SubletEnv();
        string domain;
        using (var registry = new LocalRegistry())
        {
            domain = registry.Domain;
            var missing = env.Run("pull", $"{domain}/no/such:1");
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains($"Error: pulling {domain}/no/such:1 from {domain}: manifest 1: 404 Not Found: MANIFEST_UNKNOWN", missing.Stderr);
        }
        var down = env.Run("play", env.WriteManifest(Pod("down", $"{domain}/no/such:1")));
        Assert.Equal(1, down.ExitCode);
        Assert.Contains($"image \"{domain}/no/such:1\" is not in the store and pulling {domain}/no/such:1 from {domain}: Connection refused", down.Stderr);
        Assert.Contains("; or load it with: sublet image load FILE|DIR", down.Stderr);
    }

    [Fact]
    public void BasicAuthUsesTheConfiguredAuthFileAndNeverPrintsThePassword()
    {
        using var registry = new LocalRegistry(basicAuth: true);
        registry.Push(DemoImage.Layout, "private/busybox", "1.0");
        using var env = new SubletEnv();
        var image = $"{registry.Domain}/private/busybox:1.0";
        var authFile = Path.Combine(env.Root, "auth.json");
        env.Configure($"registries: {{authFile: {authFile}}}");

        var anonymous = env.Run("pull", image);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains($"{registry.Domain} requires authentication (Basic) and there are no credentials for it in {authFile} (no such file)", anonymous.Stderr);

        WriteAuth(authFile, registry.Domain, LocalRegistry.User, "wrong-password-123");
        var wrong = env.Run("pull", image);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"{registry.Domain} refused the credentials for it in {authFile}", wrong.Stderr);
        Assert.DoesNotContain("wrong-password-123", wrong.Stderr + wrong.Stdout);

        WriteAuth(authFile, "http://" + registry.Domain, LocalRegistry.User, LocalRegistry.Password);
        var run = env.Run("play", "--wait", env.WriteManifest(Pod("private", image)));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Pulled image {image}", run.Stderr);
        Assert.Contains("pulled-image-runs", run.Stdout);
        Assert.DoesNotContain(LocalRegistry.Password, run.Stderr + run.Stdout);
    }

    [Fact]
    public void BearerTokensComeFromTheRegistrysTokenServerWithTheAuthFilesCredentials()
    {
        using var env = new SubletEnv();
        using var tokens = new TokenServer(env.Root, LocalRegistry.User, LocalRegistry.Password);
        using var registry = new LocalRegistry(tokens: tokens);
        var digest = registry.Push(DemoImage.Layout, "private/busybox", "1.0");
        var image = $"{registry.Domain}/private/busybox:1.0";
        var authFile = Path.Combine(env.Root, "auth.json");
        env.Configure($"registries: {{authFile: {authFile}}}");

        var anonymous = env.Run("pull", image);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains(tokens.Realm, anonymous.Stderr);
        Assert.Empty(env.Json("images").EnumerateArray());

        WriteAuth(authFile, registry.Domain, LocalRegistry.User, LocalRegistry.Password);
        var pull = env.Run("pull", image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains($"(digest {digest}", pull.Stdout);
        Assert.True(tokens.Issued > 0, "no token was asked for");
        Assert.DoesNotContain(LocalRegistry.Password, pull.Stderr + pull.Stdout);
    }

    private static void WriteAuth(string path, string key, string user, string password) =>
        File.WriteAllText(path, new System.Text.Json.Nodes.JsonObject
        {
            ["auths"] = new System.Text.Json.Nodes.JsonObject
            {
                [key] = new System.Text.Json.Nodes.JsonObject { ["auth"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password)) },
            },
        }.ToJsonString());

    private static string Layer(string layout)
    {
        var index = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "blobs", "sha256", ((string)index["manifests"]![0]!["digest"]!)[7..])))!;
        return (string)manifest["layers"]![0]!["digest"]!;
    }
}
