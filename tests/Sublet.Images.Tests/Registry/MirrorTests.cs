using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Sublet.Images.Registry;

namespace Sublet.Images.Tests.Registry;

/// <summary>
/// registries.mirrors: an image's mirrors are tried in order, then its registry; what fails on a
/// mirror moves the pull on; the image keeps its canonical name; credentials are the mirror host's.
/// </summary>
public sealed class MirrorTests : IDisposable
{
    private const string Image = FakeRegistry.Host + "/e2e-test-images/busybox:1.29-2";
    private const string Repository = "e2e-test-images/busybox";
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ImageStore Store() => new(_dir["store"]);

    private static TestLayer Layer(string file) => TestLayer.Of(new Tars().Dir("etc").File("etc/" + file, file), "gzip");

    private static FakeRegistry Mirror(int port) => new() { Authority = $"127.0.0.1:{port}" };

    private static PullOptions Options(FakeNetwork network, params string[] mirrors) => new()
    {
        Handler = network,
        Architecture = "amd64",
        Mirrors = new Dictionary<string, IReadOnlyList<string>> { [FakeRegistry.Host] = mirrors },
    };

    /// <summary>The hosts asked, in order, each once in a row.</summary>
    private static List<string> Hosts(FakeNetwork network)
    {
        var hosts = new List<string>();
        foreach (var url in network.Urls.Select(u => new Uri(u[(u.IndexOf(' ') + 1)..]).GetLeftPart(UriPartial.Authority)))
            if (hosts.Count == 0 || hosts[^1] != url) hosts.Add(url);
        return hosts;
    }

    [Fact]
    public async Task A_mirror_serves_the_image_under_its_canonical_name_and_the_registry_is_not_asked()
    {
        var origin = new FakeRegistry();
        var mirror = Mirror(5000);
        var manifest = mirror.PutImage(Repository, "1.29-2", [Layer("a")]);
        var network = new FakeNetwork(origin, mirror);

        var record = await Store().PullAsync(Image, Options(network, "http://127.0.0.1:5000"));

        Assert.Equal(Image, record.Reference);
        Assert.Equal(manifest, record.ManifestDigest);
        Assert.Equal([Image], Store().List().Select(r => r.Reference));
        Assert.Equal(["http://127.0.0.1:5000"], Hosts(network));
        Assert.Contains($"GET http://127.0.0.1:5000/v2/{Repository}/manifests/1.29-2", network.Urls);
        Assert.Empty(origin.Requests);
    }

    [Fact]
    public async Task A_mirror_that_is_down_lacks_the_image_or_fails_moves_the_pull_on_to_the_next_and_the_registry()
    {
        var origin = new FakeRegistry();
        var manifest = origin.PutImage(Repository, "1.29-2", [Layer("a")]);
        var empty = Mirror(5002); // 404 MANIFEST_UNKNOWN
        var broken = Mirror(5003);
        broken.PutImage(Repository, "1.29-2", [Layer("a")]);
        broken.FailWith = HttpStatusCode.ServiceUnavailable;
        var network = new FakeNetwork(origin, empty, broken);

        // 5001: nothing listens there.
        var record = await Store().PullAsync(Image, Options(network, "127.0.0.1:5001", "http://127.0.0.1:5002", "127.0.0.1:5003"));

        Assert.Equal((Image, manifest), (record.Reference, record.ManifestDigest));
        Assert.Equal(["http://127.0.0.1:5001", "http://127.0.0.1:5002", "http://127.0.0.1:5003", "https://registry.example"], Hosts(network));
    }

    [Fact]
    public async Task When_every_place_fails_the_error_names_each_in_order_with_its_cause()
    {
        var origin = new FakeRegistry { FailWith = HttpStatusCode.InternalServerError };
        var network = new FakeNetwork(origin, Mirror(5002));

        var e = await Assert.ThrowsAsync<RegistryException>(() => Store().PullAsync(Image, Options(network, "127.0.0.1:5001", "http://127.0.0.1:5002/")));

        Assert.Equal($"pulling {Image} from registry.example: "
            + "mirror http://127.0.0.1:5001: Connection refused (127.0.0.1:5001); "
            + "then mirror http://127.0.0.1:5002: manifest 1.29-2: 404 Not Found: MANIFEST_UNKNOWN manifest unknown; "
            + "then registry.example: https://registry.example/v2/ is not a registry API endpoint: 500 Internal Server Error: UNAVAILABLE the fake registry is failing",
            e.Message);
        Assert.Empty(Store().List());
    }

    [Fact]
    public async Task A_mirror_missing_a_layer_or_sending_a_corrupted_one_gives_way_to_the_registry_and_nothing_bad_is_kept()
    {
        var (layer, other) = (Layer("a"), Layer("b"));
        var origin = new FakeRegistry();
        var manifest = origin.PutImage(Repository, "1.29-2", [layer, other]);
        var partial = Mirror(5001); // the image, but not its second layer
        partial.PutBlob(Layouts.Config([layer, other], "sh"));
        partial.PutBlob(layer.Blob);
        partial.PutManifest(Repository, "1.29-2", "application/vnd.oci.image.manifest.v1+json", origin.ManifestBody(Repository, "1.29-2"));
        var corrupt = Mirror(5002); // the image, with other bytes under its first layer's digest
        corrupt.PutImage(Repository, "1.29-2", [layer, other]);
        var bad = layer.Blob.ToArray();
        bad[^1] ^= 0xff;
        corrupt.Corrupt(Layouts.Sha(layer.Blob), bad);
        var network = new FakeNetwork(origin, partial, corrupt);

        // One layer at a time, so the corrupted first layer ends the first mirror's attempt before the second is fetched.
        var record = await Store().PullAsync(Image, Options(network, "127.0.0.1:5002", "127.0.0.1:5001") with { MaxConcurrentDownloads = 1 });

        Assert.Equal(manifest, record.ManifestDigest);
        Assert.Equal(["http://127.0.0.1:5002", "http://127.0.0.1:5001", "https://registry.example"], Hosts(network));
        Assert.Contains($"GET https://registry.example/v2/{Repository}/blobs/{Layouts.Sha(other.Blob)}", network.Urls);
        Assert.DoesNotContain($"GET https://registry.example/v2/{Repository}/blobs/{Layouts.Sha(layer.Blob)}", network.Urls); // verified on the second mirror, kept
        var paths = Store().LayerPaths(Store().Get(Image));
        Assert.Equal(("a", "b"), (File.ReadAllText(Path.Combine(paths[0], "etc", "a")), File.ReadAllText(Path.Combine(paths[1], "etc", "b"))));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/tmp"]));
    }

    [Fact]
    public async Task A_mirror_path_is_a_namespace_the_repository_is_put_under()
    {
        var mirror = Mirror(5000);
        mirror.PutImage("k8s/" + Repository, "1.29-2", [Layer("a")]);
        var network = new FakeNetwork(new FakeRegistry(), mirror);

        var record = await Store().PullAsync(Image, Options(network, "http://127.0.0.1:5000/k8s"));

        Assert.Equal(Image, record.Reference);
        Assert.Contains($"GET http://127.0.0.1:5000/v2/k8s/{Repository}/manifests/1.29-2", network.Urls);
    }

    [Fact]
    public async Task A_mirror_asking_for_credentials_gets_the_auth_file_entry_of_its_own_host_never_the_credentials_sent_for_the_registry()
    {
        var origin = new FakeRegistry { Auth = "Basic", Account = ("origin-user", "origin-secret") };
        origin.PutImage(Repository, "1.29-2", [Layer("a")]);
        var mirror = new FakeRegistry { Authority = "127.0.0.1:5000", Auth = "Basic", Account = ("mirror-user", "mirror-secret") };
        mirror.PutImage(Repository, "1.29-2", [Layer("a")]);
        var network = new FakeNetwork(origin, mirror);
        var auth = _dir["auth.json"];
        File.WriteAllText(auth, new JsonObject
        {
            ["auths"] = new JsonObject { ["http://127.0.0.1:5000"] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("mirror-user:mirror-secret")) } },
        }.ToJsonString());
        var given = new PullCredential("origin-user", "origin-secret");

        await Store().PullAsync(Image, Options(network, "127.0.0.1:5000") with { AuthFile = auth, Credential = given });
        Assert.Empty(origin.Requests);
        Assert.All(mirror.Requests.Where(r => r.Authorization is not null), r => Assert.Equal(
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("mirror-user:mirror-secret")), r.Authorization));

        // Without the mirror's entry, the mirror refuses and the registry gets the credentials sent with the pull.
        File.WriteAllText(auth, "{\"auths\": {}}");
        Store().Remove(Image);
        network.Urls.Clear();
        await Store().PullAsync(Image, Options(network, "127.0.0.1:5000") with { AuthFile = auth, Credential = given });
        Assert.Equal(["http://127.0.0.1:5000", "https://registry.example"], Hosts(network));
        Assert.Contains(origin.Requests, r => r.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("origin-user:origin-secret")));
        Assert.DoesNotContain(mirror.Requests, r => r.Authorization?.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("origin-user:origin-secret")), StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Mirrors_of_other_registries_are_not_used()
    {
        var origin = new FakeRegistry();
        origin.PutImage(Repository, "1.29-2", [Layer("a")]);
        var network = new FakeNetwork(origin, Mirror(5000));
        var options = new PullOptions
        {
            Handler = network, Architecture = "amd64",
            Mirrors = new Dictionary<string, IReadOnlyList<string>> { ["gcr.io"] = ["127.0.0.1:5000"] },
        };

        await Store().PullAsync(Image, options);

        Assert.Equal(["https://registry.example"], Hosts(network));
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/", null)]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5000/", null)]
    [InlineData("https://127.0.0.1:5000", "https://127.0.0.1:5000/", null)]
    [InlineData("localhost:5000/k8s/mirror", "http://localhost:5000/", "k8s/mirror")]
    [InlineData("[::1]:5000", "http://[::1]:5000/", null)]
    [InlineData("mirror.example", "https://mirror.example/", null)]
    [InlineData("https://mirror.example/ns/", "https://mirror.example/", "ns")]
    [InlineData("lan.example:5000", "http://lan.example:5000/", null)]
    [InlineData("HTTP://lan.example:5000", "http://lan.example:5000/", null)]
    public void Mirror_urls_take_a_scheme_by_the_registry_rule_when_they_have_none(string text, string baseUri, string? ns)
    {
        var endpoint = RegistryEndpoint.Mirror(text, ["lan.example:5000"], out var problem);
        Assert.Null(problem);
        Assert.Equal((baseUri, ns), (endpoint!.BaseUri.ToString(), endpoint.Namespace));
        Assert.Equal(new Uri(baseUri).Authority, new Uri("http://" + endpoint.Domain).Authority);
    }

    [Theory]
    [InlineData("http://mirror.example", "plain HTTP is allowed only for loopback hosts and those in registries.insecure (add \"mirror.example\" there, or use https)")]
    [InlineData("ftp://mirror.example", "unsupported scheme \"ftp\": must be http or https")]
    [InlineData("https://user:pw@mirror.example", "must not hold credentials")]
    [InlineData("https://mirror.example/a?b", "must not have a query or fragment")]
    [InlineData("https://mirror.example/K8s", "bad namespace component \"K8s\"")]
    [InlineData("https://mirror.example//x", "bad namespace component \"\"")]
    [InlineData("https://mir ror", "must be a URL")]
    [InlineData("", "must be a URL")]
    [InlineData("https://", "bad host \"\"")]
    [InlineData("https://-bad-:5000", "bad host \"-bad-:5000\"")]
    public void Malformed_mirror_urls_are_refused_saying_why(string text, string why)
    {
        Assert.Null(RegistryEndpoint.Mirror(text, ["lan.example:5000"], out var problem));
        Assert.Contains(why, problem);
        Assert.Equal(problem, RegistryMirrors.Problem(text, ["lan.example:5000"]));
    }

    [Fact]
    public void The_route_is_the_mirrors_in_order_then_the_registry_and_docker_hub_matches_by_any_of_its_names()
    {
        var mirrors = new Dictionary<string, IReadOnlyList<string>>
        {
            ["Registry.K8s.io"] = ["127.0.0.1:5001", "https://mirror.example/k8s"],
            ["index.docker.io"] = ["127.0.0.1:5002"],
        };
        Assert.Equal(["mirror http://127.0.0.1:5001", "mirror https://mirror.example/k8s", "registry.k8s.io"],
            RegistryEndpoint.Route("registry.k8s.io", mirrors, []).Select(e => e.Describe));
        Assert.Equal(["mirror http://127.0.0.1:5002", "docker.io"], RegistryEndpoint.Route("docker.io", mirrors, []).Select(e => e.Describe));
        Assert.Equal(["gcr.io"], RegistryEndpoint.Route("gcr.io", mirrors, []).Select(e => e.Describe));
        Assert.Equal("k8s/pause", RegistryEndpoint.Route("registry.k8s.io", mirrors, [])[1].RepositoryFor("pause"));
    }
}
