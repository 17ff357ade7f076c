using Sublet.Images.Registry;

namespace Sublet.Images.Tests.Registry;

/// <summary>References, endpoints, challenges, auth files and platform choice: pure rules, no network.</summary>
public sealed class RegistryRulesTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest")]
    [InlineData("debian:12", "docker.io/library/debian:12", "docker.io", "library/debian", "12")]
    [InlineData("index.docker.io/library/debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest")]
    [InlineData("user/app", "docker.io/user/app:latest", "docker.io", "user/app", "latest")]
    [InlineData("registry.k8s.io/e2e-test-images/busybox:1.29-2", "registry.k8s.io/e2e-test-images/busybox:1.29-2", "registry.k8s.io", "e2e-test-images/busybox", "1.29-2")]
    [InlineData("127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c", "127.0.0.1:5000", "a/b", "c")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest", "localhost:5000", "app", "latest")]
    [InlineData("[::1]:5000/app:v1", "[::1]:5000/app:v1", "[::1]:5000", "app", "v1")]
    [InlineData("Registry.Example/app", "Registry.Example/app:latest", "Registry.Example", "app", "latest")]
    [InlineData("host:5000", "docker.io/library/host:5000", "docker.io", "library/host", "5000")]
    [InlineData("debian@sha256:" + Hex, "docker.io/library/debian@sha256:" + Hex, "docker.io", "library/debian", "sha256:" + Hex)]
    [InlineData("debian:12@sha256:" + Hex, "docker.io/library/debian:12@sha256:" + Hex, "docker.io", "library/debian", "sha256:" + Hex)]
    [InlineData("q.io/a_b/c__d/e-f.g:T_1.x", "q.io/a_b/c__d/e-f.g:T_1.x", "q.io", "a_b/c__d/e-f.g", "T_1.x")]
    public void References_are_normalized_as_docker_and_containerd_do(string input, string normalized, string domain, string repository, string manifestReference)
    {
        var r = ImageReference.Parse(input);
        Assert.Equal((normalized, domain, repository, manifestReference), (r.ToString(), r.Domain, r.Repository, r.ManifestReference));
    }

    [Theory]
    [InlineData("", "the reference is empty")]
    [InlineData("deb ian", "white space")]
    [InlineData("Debian", "bad name component \"Debian\"")]
    [InlineData("docker.io/Library/debian", "bad name component \"Library\"")]
    [InlineData("debian:", "bad tag \"\"")]
    [InlineData("debian:-x", "bad tag \"-x\"")]
    [InlineData("debian@sha256:abc", "the digest must be sha256:<64 lowercase hex>")]
    [InlineData("debian@md5:" + Hex, "the digest must be sha256:<64 lowercase hex>")]
    [InlineData("a//b", "bad name component \"\"")]
    [InlineData("a/b/", "bad name component \"\"")]
    [InlineData("-host:5000/app", "bad domain \"-host:5000\"")]
    [InlineData("app__-x", "bad name component \"app__-x\"")]
    public void Malformed_references_are_errors_naming_the_reference_and_the_fault(string input, string fault)
    {
        var e = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(input));
        Assert.StartsWith($"invalid image reference \"{input}\": ", e.Message);
        Assert.Contains(fault, e.Message);
    }

    [Fact]
    public void A_name_over_255_characters_is_refused() =>
        Assert.Contains("longer than 255", Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse("q.io/" + new string('a', 260))).Message);

    [Theory]
    [InlineData("docker.io", "https://registry-1.docker.io/")]
    [InlineData("quay.io", "https://quay.io/")]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("127.8.9.10", "http://127.8.9.10/")]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    [InlineData("lan.example:5000", "http://lan.example:5000/")]
    [InlineData("10.0.0.1:5000", "https://10.0.0.1:5000/")]
    public void Plain_http_only_for_loopback_and_configured_insecure_registries(string domain, string baseUri) =>
        Assert.Equal(baseUri, RegistryEndpoint.For(domain, ["lan.example:5000"]).BaseUri.ToString());

    [Fact]
    public void Bearer_challenges_are_parsed_with_quoted_values()
    {
        var c = AuthChallenge.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/debian:pull,push\",error=\"a \\\"b\\\"\"")!;
        Assert.Equal("Bearer", c.Scheme);
        Assert.Equal(("https://auth.docker.io/token", "registry.docker.io", "repository:library/debian:pull,push", "a \"b\""), (c["realm"], c["service"], c["scope"], c["error"]));
        Assert.Equal("Basic", AuthChallenge.Parse("Basic realm=Registry")!.Scheme);
        Assert.Equal("Registry", AuthChallenge.Parse("Basic realm=Registry")!["realm"]);
        Assert.Null(AuthChallenge.Parse(" "));
    }

    [Theory]
    [InlineData("https://index.docker.io/v1/", "index.docker.io")]
    [InlineData("registry.example:5000", "registry.example:5000")]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1:5000")]
    public void Auth_file_keys_match_by_host(string key, string host) => Assert.Equal(host, RegistryCredentials.NormalizeKey(key));

    [Fact]
    public void Auth_file_entries_are_read_and_docker_hub_aliases_match()
    {
        using var dir = new TestDir();
        var path = dir["config.json"];
        File.WriteAllText(path, """
            {"auths": {"https://index.docker.io/v1/": {"auth": "dTpwOnc="},
                       "q.io": {"username": "x", "password": "y"}},
             "credsStore": "desktop"}
            """);
        var credentials = RegistryCredentials.Load(path);
        Assert.Equal(new RegistryCredential("u", "p:w"), credentials.For("docker.io"));
        Assert.Equal(new RegistryCredential("x", "y"), credentials.For("q.io"));
        Assert.Null(credentials.For("other.io"));
        Assert.DoesNotContain("p:w", credentials.For("docker.io")!.ToString());
        Assert.Null(RegistryCredentials.Load(dir["missing.json"]).For("docker.io"));
    }

    [Fact]
    public void A_malformed_auth_file_is_an_error_that_does_not_quote_it()
    {
        using var dir = new TestDir();
        File.WriteAllText(dir["a.json"], "{\"auths\": {\"q.io\": {\"auth\": \"topsecret");
        var e = Assert.Throws<ImageException>(() => RegistryCredentials.Load(dir["a.json"]));
        Assert.DoesNotContain("topsecret", e.Message);
    }

    [Theory]
    [InlineData("amd64", "linux/amd64")]
    [InlineData("arm64", "linux/arm64/v8")]
    [InlineData("arm", "linux/arm/v7")]
    [InlineData("s390x", null)]
    public void The_platform_matcher_takes_the_host_architecture_and_a_variant_it_runs(string arch, string? chosen)
    {
        List<Descriptor> manifests = [.. new[] { ("amd64", "v3"), ("amd64", (string?)null), ("arm64", "v8"), ("arm", "v6"), ("arm", "v7"), ("windows-amd64", null) }
            .Select(p => new Descriptor(null, "sha256:" + Hex, 1, new Platform(p.Item1 == "windows-amd64" ? "windows" : "linux", p.Item1 == "windows-amd64" ? "amd64" : p.Item1, p.Item2), null))];
        var selected = PlatformSelector.Select(manifests, "linux", arch);
        Assert.Equal(chosen, selected is null ? null : PlatformSelector.Describe(selected.Platform));
    }
}
