using System.Text.Json;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Images;

namespace Sublet.Cri.Tests;

public sealed class ImageServiceTests
{
    private static readonly string IdA = "sha256:" + new string('a', 64);
    private static readonly string IdB = "sha256:" + new string('b', 64);
    private static readonly string ManifestA = "sha256:" + new string('1', 64);
    private readonly FakeCallContext _call = new("/runtime.v1.ImageService/Test");
    private readonly FakeCatalog _catalog = new();

    public ImageServiceTests()
    {
        _catalog.Records.Add(FakeCatalog.Record("registry.k8s.io/e2e-test-images/busybox:1.29-2", IdA, manifest: ManifestA));
        _catalog.Records.Add(FakeCatalog.Record("registry.k8s.io/e2e-test-images/busybox:latest", IdA, manifest: ManifestA));
        _catalog.Records.Add(FakeCatalog.Record("gcr.io/k8s-staging-cri-tools/test-image-user-uid:latest", IdB, user: "1002"));
    }

    [Fact]
    public async Task ListImages_gives_one_entry_per_image_with_every_tag_and_one_digest_per_repository()
    {
        var response = await Services.Images(_catalog).ListImages(new ListImagesRequest(), _call);

        Assert.Equal([IdA, IdB], response.Images.Select(i => i.Id));
        var busybox = response.Images[0];
        Assert.Equal(["registry.k8s.io/e2e-test-images/busybox:1.29-2", "registry.k8s.io/e2e-test-images/busybox:latest"], busybox.RepoTags);
        Assert.Equal([$"registry.k8s.io/e2e-test-images/busybox@{ManifestA}"], busybox.RepoDigests);
        Assert.Equal(1234UL, busybox.Size);
    }

    [Fact]
    public async Task ListImages_filter_keeps_the_named_image()
    {
        var request = new ListImagesRequest { Filter = new ImageFilter { Image = new ImageSpec { Image = IdB } } };

        var response = await Services.Images(_catalog).ListImages(request, _call);

        Assert.Equal(IdB, Assert.Single(response.Images).Id);
    }

    [Fact]
    public async Task ImageStatus_of_a_missing_image_is_an_empty_answer_not_an_error()
    {
        var response = await Services.Images(_catalog).ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = "nothere:1" } }, _call);

        Assert.Null(response.Image);
    }

    [Fact]
    public async Task ImageStatus_verbose_describes_the_image()
    {
        var request = new ImageStatusRequest { Image = new ImageSpec { Image = "registry.k8s.io/e2e-test-images/busybox:1.29-2" }, Verbose = true };

        var response = await Services.Images(_catalog).ImageStatus(request, _call);

        Assert.Equal(IdA, response.Image.Id);
        Assert.Equal(2, response.Image.RepoTags.Count);
        var info = JsonDocument.Parse(response.Info["info"]).RootElement;
        Assert.Equal(IdA, info.GetProperty("id").GetString());
        Assert.Equal(ManifestA, info.GetProperty("manifestDigest").GetString());
        Assert.Equal("sh", info.GetProperty("config").GetProperty("cmd")[0].GetString());
    }

    [Theory]
    [InlineData(null, null, "")]
    [InlineData("", null, "")]
    [InlineData("1002", 1002L, "")]
    [InlineData("www-data", null, "www-data")]
    [InlineData("1003:group", 1003L, "")]
    [InlineData("www-data:group", null, "www-data")]
    [InlineData("0", 0L, "")]
    public void The_image_user_becomes_uid_or_username(string? user, long? uid, string username)
    {
        Assert.Equal((uid, username), ImageMapper.User(user));
    }

    [Fact]
    public async Task ImageStatus_reports_a_numeric_user_as_uid()
    {
        var response = await Services.Images(_catalog).ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = IdB } }, _call);

        Assert.Equal(1002, response.Image.Uid.Value);
        Assert.Equal("", response.Image.Username);
        Assert.Null((await Services.Images(_catalog).ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = IdA } }, _call)).Image.Uid);
    }

    [Fact]
    public async Task PullImage_of_a_stored_image_answers_its_id()
    {
        var response = await Services.Images(_catalog).PullImage(new PullImageRequest { Image = new ImageSpec { Image = "registry.k8s.io/e2e-test-images/busybox:1.29-2" } }, _call);

        Assert.Equal(IdA, response.ImageRef);
    }

    [Fact]
    public async Task PullImage_of_a_stored_image_does_not_reach_the_registry()
    {
        await Services.Images(_catalog).PullImage(new PullImageRequest { Image = new ImageSpec { Image = "registry.k8s.io/e2e-test-images/busybox:1.29-2" } }, _call);

        Assert.Empty(_catalog.Pulls);
    }

    [Fact]
    public async Task PullImage_of_anything_else_pulls_it_with_the_credentials_sent()
    {
        var nginx = FakeCatalog.Record("docker.io/library/nginx:1", "sha256:" + new string('c', 64));
        _catalog.Pullable["docker.io/library/nginx:1"] = nginx;
        var request = new PullImageRequest { Image = new ImageSpec { Image = "docker.io/library/nginx:1" }, Auth = new AuthConfig { Auth = Convert.ToBase64String("me:s3cret"u8.ToArray()) } };

        var response = await Services.Images(_catalog).PullImage(request, _call);

        Assert.Equal(nginx.Id, response.ImageRef);
        var pull = Assert.Single(_catalog.Pulls);
        Assert.Equal(("docker.io/library/nginx:1", new Sublet.Images.Registry.PullCredential("me", "s3cret")), pull);
        Assert.DoesNotContain("s3cret", pull.Credential!.ToString());
    }

    [Fact]
    public async Task A_failed_pull_names_image_and_registry_and_token_auth_is_refused_by_name()
    {
        var failed = await Mapped(() => Services.Images(_catalog).PullImage(new PullImageRequest { Image = new ImageSpec { Image = "docker.io/library/nginx:1" } }, _call));
        Assert.Equal(StatusCode.Internal, failed.StatusCode);
        Assert.Contains("pulling docker.io/library/nginx:1 from example.test", failed.Detail);

        var token = await Mapped(() => Services.Images(_catalog).PullImage(new PullImageRequest { Image = new ImageSpec { Image = "docker.io/library/nginx:1" }, Auth = new AuthConfig { RegistryToken = "t" } }, _call));
        Assert.Equal(StatusCode.InvalidArgument, token.StatusCode);
        Assert.Contains("auth.identity_token and auth.registry_token are not supported", token.Detail);
        Assert.Single(_catalog.Pulls, p => p.Credential is null);
    }

    [Fact]
    public async Task RemoveImage_is_idempotent()
    {
        var service = Services.Images(_catalog);

        await service.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = IdB } }, _call);
        await service.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = IdB } }, _call);
        await service.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = "never:there" } }, _call);

        Assert.Equal([IdB], _catalog.Removed);
        Assert.DoesNotContain(_catalog.Records, r => r.Id == IdB);
    }

    [Fact]
    public async Task RemoveImage_of_an_image_in_use_is_a_failed_precondition_naming_the_user()
    {
        _catalog.Users[IdA] = ["container \"app\" of pod default/web"];
        var service = Services.Images(_catalog);

        var status = await Mapped(() => service.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = IdA } }, _call));

        Assert.Equal(StatusCode.FailedPrecondition, status.StatusCode);
        Assert.Contains("container \"app\" of pod default/web", status.Detail);
        Assert.Equal(3, _catalog.Records.Count);
    }

    [Fact]
    public async Task ImageFsInfo_reports_both_filesystems_with_a_timestamp_in_nanoseconds()
    {
        _catalog.Sample = (new("/var/lib", 4096, 3), new("/", 8192, 5));
        var time = new FixedTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var response = await Services.Images(_catalog, time).ImageFsInfo(new ImageFsInfoRequest(), _call);

        var images = Assert.Single(response.ImageFilesystems);
        Assert.Equal("/var/lib", images.FsId.Mountpoint);
        Assert.Equal(4096UL, images.UsedBytes.Value);
        Assert.Equal(3UL, images.InodesUsed.Value);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000, images.Timestamp);
        var containers = Assert.Single(response.ContainerFilesystems);
        Assert.Equal((8192UL, 5UL), (containers.UsedBytes.Value, containers.InodesUsed.Value));
    }

    /// <summary>Runs a handler through the error interceptor, as the server does, and returns the status it ends with.</summary>
    private static async Task<Status> Mapped<T>(Func<Task<T>> handler) where T : class
    {
        var interceptor = new ErrorInterceptor(Microsoft.Extensions.Logging.Abstractions.NullLogger<ErrorInterceptor>.Instance);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<object, T>(new object(), new FakeCallContext(), (_, _) => handler()));
        return e.Status;
    }
}
