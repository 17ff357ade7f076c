using System.Text;
using System.Text.Json.Nodes;
using Sublet.Images.Registry;

namespace Sublet.Images.Tests.Registry;

/// <summary>ImageStore.PullAsync against <see cref="FakeRegistry"/>: what is fetched, verified, committed and refused.</summary>
public sealed class PullTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ImageStore Store() => new(_dir["store"]);

    private static TestLayer Layer(string file, string compression = "gzip") =>
        TestLayer.Of(new Tars().Dir("etc").File("etc/" + file, file), compression);

    private Task<ImageRecord> Pull(FakeRegistry registry, string reference, string? authFile = null) =>
        Store().PullAsync(reference, new PullOptions { Handler = registry, AuthFile = authFile, Architecture = "amd64" });

    [Fact]
    public async Task A_tag_is_pulled_with_gzip_and_zstd_layers_and_recorded_under_its_canonical_name()
    {
        var registry = new FakeRegistry();
        var manifest = registry.PutImage("team/app", "1.0", [Layer("a"), Layer("b", "zstd")]);
        var record = await Pull(registry, FakeRegistry.Host + "/team/app:1.0");

        Assert.Equal("registry.example/team/app:1.0", record.Reference);
        Assert.Equal(manifest, record.ManifestDigest);
        Assert.Equal(["sh"], record.Config.Cmd);
        var paths = Store().LayerPaths(Store().Get("registry.example/team/app:1.0"));
        Assert.Equal("b", File.ReadAllText(Path.Combine(paths[1], "etc", "b")));
        Assert.Equal(["/v2/", "/v2/team/app/manifests/1.0"], registry.Requests.Take(2).Select(r => r.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/tmp"]));
    }

    [Fact]
    public async Task Blobs_already_in_the_store_are_not_downloaded_again()
    {
        var registry = new FakeRegistry();
        var shared = Layer("shared");
        registry.PutImage("app", "1", [shared]);
        registry.PutImage("app", "2", [shared, Layer("more")]);
        await Pull(registry, FakeRegistry.Host + "/app:1");
        registry.Requests.Clear();
        await Pull(registry, FakeRegistry.Host + "/app:2");

        var blobGets = registry.Requests.Where(r => r.Path.Contains("/blobs/", StringComparison.Ordinal)).Select(r => r.Path).ToList();
        Assert.DoesNotContain("/v2/app/blobs/" + Layouts.Sha(shared.Blob), blobGets);
        Assert.Equal(2, blobGets.Count); // the new config and the new layer
        Assert.Equal(2, Store().List().Count);
    }

    [Fact]
    public async Task A_tag_that_moves_leaves_the_old_image_under_its_id_with_its_layers()
    {
        var registry = new FakeRegistry();
        registry.PutImage("app", "latest", [Layer("old")]);
        var old = await Pull(registry, FakeRegistry.Host + "/app");
        registry.PutImage("app", "latest", [Layer("new")]);
        var current = await Pull(registry, FakeRegistry.Host + "/app");

        Assert.NotEqual(old.Id, current.Id);
        Assert.Equal([old.Id, "registry.example/app:latest"], Store().List().Select(r => r.Reference));
        Assert.All(Store().LayerPaths(Store().Get(old.Id)), p => Assert.True(Directory.Exists(p)));
    }

    [Fact]
    public async Task A_corrupted_layer_is_refused_naming_its_digest_and_nothing_is_committed()
    {
        var registry = new FakeRegistry();
        var layer = Layer("a");
        registry.PutImage("app", "1", [layer]);
        var bad = layer.Blob.ToArray();
        bad[^1] ^= 0xff;
        registry.Corrupt(Layouts.Sha(layer.Blob), bad);

        var e = await Assert.ThrowsAsync<RegistryException>(() => Pull(registry, FakeRegistry.Host + "/app:1"));
        Assert.Contains("pulling registry.example/app:1 from registry.example", e.Message);
        Assert.Contains($"layer {Layouts.Sha(layer.Blob)}: digest mismatch", e.Message);
        Assert.Empty(Store().List());
        Assert.Empty(Directory.EnumerateFiles(_dir["store/blobs/sha256"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/layers"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/tmp"]));

        registry.PutBlob(layer.Blob); // the cause is gone: a retry succeeds
        Assert.Equal("registry.example/app:1", (await Pull(registry, FakeRegistry.Host + "/app:1")).Reference);
    }

    [Fact]
    public async Task A_download_that_stalls_ends_naming_the_blob_and_nothing_is_committed()
    {
        var registry = new FakeRegistry();
        var layer = Layer("a");
        registry.PutImage("app", "1", [layer]);
        registry.Stalled.Add(Layouts.Sha(layer.Blob));
        var options = new PullOptions { Handler = registry, Architecture = "amd64", StallTimeout = TimeSpan.FromMilliseconds(300) };

        var e = await Assert.ThrowsAsync<RegistryException>(() => Store().PullAsync(FakeRegistry.Host + "/app:1", options));
        Assert.Contains($"layer {Layouts.Sha(layer.Blob)}: the registry sent nothing for 0.3 s after 10 bytes", e.Message);
        Assert.Empty(Store().List());
        Assert.Empty(Directory.EnumerateFiles(_dir["store/blobs/sha256"]));
    }

    [Fact]
    public async Task An_index_is_followed_to_the_linux_amd64_entry()
    {
        var registry = new FakeRegistry();
        var amd64 = registry.PutImage("multi", null, [Layer("amd64")]);
        var arm64 = registry.PutImage("multi", null, [Layer("arm64")]);
        var v3 = Layouts.Sha([9]); // never fetched: a variant this matcher does not take
        registry.PutManifest("multi", "1", "application/vnd.oci.image.index.v1+json", Index(registry,
            (arm64, "arm64", null), (v3, "amd64", "v3"), (amd64, "amd64", null)));

        var record = await Pull(registry, FakeRegistry.Host + "/multi:1");

        Assert.Equal(amd64, record.ManifestDigest);
        Assert.DoesNotContain(registry.Requests, r => r.Path.EndsWith(arm64, StringComparison.Ordinal) || r.Path.EndsWith(v3, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_index_without_this_platform_is_an_error_listing_what_it_has()
    {
        var registry = new FakeRegistry();
        var arm64 = registry.PutImage("multi", null, [Layer("arm64")]);
        registry.PutManifest("multi", "1", "application/vnd.docker.distribution.manifest.list.v2+json", Index(registry, (arm64, "arm64", "v8")));

        var e = await Assert.ThrowsAsync<RegistryException>(() => Pull(registry, FakeRegistry.Host + "/multi:1"));
        Assert.Contains("no image for linux/amd64 (has: linux/arm64/v8)", e.Message);
    }

    [Fact]
    public async Task A_digest_reference_is_pulled_by_digest_and_checked()
    {
        var registry = new FakeRegistry();
        var digest = registry.PutImage("app", null, [Layer("a")]);
        var record = await Pull(registry, $"{FakeRegistry.Host}/app@{digest}");
        Assert.Equal($"registry.example/app@{digest}", record.Reference);
        Assert.Contains(registry.Requests, r => r.Path == $"/v2/app/manifests/{digest}");

        var wrong = Layouts.Sha(Encoding.UTF8.GetBytes("other"));
        registry.PutManifest("app", wrong, "application/vnd.oci.image.manifest.v1+json", registry.ManifestBody("app", digest));
        var e = await Assert.ThrowsAsync<RegistryException>(() => Pull(registry, $"{FakeRegistry.Host}/app@{wrong}"));
        Assert.Contains("digest mismatch", e.Message);
    }

    [Fact]
    public async Task An_unknown_tag_names_the_image_the_registry_and_its_error_code()
    {
        var e = await Assert.ThrowsAsync<RegistryException>(() => Pull(new FakeRegistry(), FakeRegistry.Host + "/nope:1"));
        Assert.Equal("pulling registry.example/nope:1 from registry.example: manifest 1: 404 Not Found: MANIFEST_UNKNOWN manifest unknown", e.Message);
    }

    [Fact]
    public async Task Bearer_tokens_are_fetched_from_the_challenge_realm_with_the_auth_file_credentials()
    {
        var registry = new FakeRegistry { Auth = "Bearer", Account = ("alice", "pa55word") };
        registry.PutImage("private/app", "1", [Layer("a")]);
        var auth = AuthFile(FakeRegistry.Host, "alice", "pa55word");

        await Pull(registry, FakeRegistry.Host + "/private/app:1", auth);

        var tokenRequests = registry.Requests.Where(r => r.Path == "/token").ToList();
        Assert.Single(tokenRequests); // one token for the whole pull
        Assert.StartsWith("Basic ", tokenRequests[0].Authorization);
        Assert.All(registry.Requests.Where(r => r.Path.Contains("/blobs/", StringComparison.Ordinal)), r => Assert.Equal("Bearer token-s3cret", r.Authorization));
    }

    [Fact]
    public async Task Anonymous_bearer_tokens_need_no_auth_file()
    {
        var registry = new FakeRegistry { Auth = "Bearer" };
        registry.PutImage("library/debian", "latest", [Layer("a")]);
        Assert.Equal("registry.example/library/debian:latest", (await Pull(registry, FakeRegistry.Host + "/library/debian")).Reference);
    }

    [Fact]
    public async Task Wrong_credentials_are_an_error_that_names_the_file_but_not_the_password()
    {
        var registry = new FakeRegistry { Auth = "Bearer", Account = ("alice", "pa55word") };
        registry.PutImage("app", "1", [Layer("a")]);
        var auth = AuthFile(FakeRegistry.Host, "alice", "wrong-secret");

        var e = await Assert.ThrowsAsync<RegistryException>(() => Pull(registry, FakeRegistry.Host + "/app:1", auth));
        Assert.Contains($"refused the credentials for registry.example in {auth}", e.Message);
        Assert.DoesNotContain("wrong-secret", e.ToString());
        Assert.Empty(Store().List());
    }

    [Fact]
    public async Task Basic_challenges_get_the_auth_file_credentials()
    {
        var registry = new FakeRegistry { Auth = "Basic", Account = ("bob", "hunter2") };
        registry.PutImage("app", "1", [Layer("a")]);
        await Pull(registry, FakeRegistry.Host + "/app:1", AuthFile("https://" + FakeRegistry.Host + "/v1/", "bob", "hunter2"));

        var e = await Assert.ThrowsAsync<RegistryException>(() => Pull(registry, FakeRegistry.Host + "/app:1"));
        Assert.Contains("requires authentication (Basic) and there are no credentials for it", e.Message);
    }

    private string AuthFile(string key, string user, string password)
    {
        var path = _dir["auth.json"];
        File.WriteAllText(path, new JsonObject
        {
            ["auths"] = new JsonObject { [key] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) } },
        }.ToJsonString());
        return path;
    }

    private static byte[] Index(FakeRegistry registry, params (string Digest, string Arch, string? Variant)[] entries) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = "application/vnd.oci.image.index.v1+json",
        ["manifests"] = new JsonArray([.. entries.Select(e =>
        {
            var d = Layouts.Descriptor("application/vnd.oci.image.manifest.v1+json", e.Digest, Math.Max(1, registry.ManifestBody("multi", e.Digest).Length));
            var platform = new JsonObject { ["os"] = "linux", ["architecture"] = e.Arch };
            if (e.Variant is not null) platform["variant"] = e.Variant;
            d["platform"] = platform;
            return (JsonNode)d;
        })]),
    }.ToJsonString());
}
