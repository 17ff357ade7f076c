using System.Net;
using System.Net.Sockets;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 22 item 4: <c>registries.mirrors</c> against Debian's registry on 127.0.0.1
/// (<see cref="LocalRegistry"/>) standing in for registry.k8s.io, through <c>sublet pull</c>,
/// <c>play</c> and CRI PullImage. Nothing leaves the machine: the mirror answers before the origin
/// would be asked.
/// </summary>
public sealed class RegistryMirrorTests
{
    private const string Image = "registry.k8s.io/e2e-test-images/busybox:1.29-2";

    private static string Pod(string name, string image) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
          - name: c
            image: {{image}}
            imagePullPolicy: Always
            command: ["sh", "-c", "echo mirrored-image-runs"]
        """;

    /// <summary>A loopback port nothing listens on (taken and released at once).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void ARegistryK8sIoImageComesFromTheMirrorAfterADeadOneAndKeepsItsName()
    {
        using var registry = new LocalRegistry();
        var digest = registry.Push(DemoImage.Layout, "e2e-test-images/busybox", "1.29-2");
        using var env = new SubletEnv();
        var dead = ClosedPort();
        env.Configure($"registries: {{mirrors: {{registry.k8s.io: [\"127.0.0.1:{dead}\", \"http://{registry.Domain}\"]}}}}");

        var pull = env.Run("pull", Image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains($"Pulled image: {Image} (digest {digest}", pull.Stdout);
        var images = env.Json("images").EnumerateArray().Select(i => (i.GetProperty("reference").GetString(), i.GetProperty("manifestDigest").GetString())).ToList();
        Assert.Equal([(Image, digest)], images);

        // play pulls it again (Always) through the same route, and runs it.
        var run = env.Run("play", "--wait", env.WriteManifest(Pod("mirrored", Image)));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Pulled image {Image}", run.Stderr);
        Assert.Contains("mirrored-image-runs", run.Stdout);
        Assert.True(env.Leftovers().IsEmpty, env.Leftovers().ToString());

        // CRI: removed, then pulled again by the kubelet's name; ListImages shows the canonical name.
        env.Ok("rmi", Image);
        using var server = CriServer.Start(env);
        var pulled = server.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = Image } });
        Assert.StartsWith("sha256:", pulled.ImageRef);
        var listed = Assert.Single(server.Images.ListImages(new ListImagesRequest()).Images);
        Assert.Equal([Image], listed.RepoTags);
        Assert.Equal([$"registry.k8s.io/e2e-test-images/busybox@{digest}"], listed.RepoDigests);
    }

    [Fact]
    public void WhenTheMirrorLacksTheImageAndTheRegistryIsDownTheErrorNamesBoth()
    {
        using var registry = new LocalRegistry();
        using var env = new SubletEnv();
        var origin = $"127.0.0.1:{ClosedPort()}";
        env.Configure($"registries: {{mirrors: {{\"{origin}\": [\"{registry.Domain}/cache\"]}}}}");

        var pull = env.Run("pull", $"{origin}/demo/busybox:1.0");

        Assert.Equal(1, pull.ExitCode);
        var expected = $"Error: pulling {origin}/demo/busybox:1.0 from {origin}: "
            + $"mirror http://{registry.Domain}/cache: manifest 1.0: 404 Not Found: MANIFEST_UNKNOWN manifest unknown; "
            + $"then {origin}: Connection refused ({origin})";
        Assert.True(pull.Stderr.Contains(expected, StringComparison.Ordinal), pull.Stderr);
        Assert.Empty(env.Json("images").EnumerateArray());
    }

    [Fact]
    public void AnHttpsMirrorIsTrustedThroughItsConfiguredCaFileAndRefusedWithoutIt()
    {
        using var registry = new LocalRegistry(tls: true);
        var digest = registry.Push(DemoImage.Layout, "demo/busybox", "1.0");
        var origin = $"127.0.0.1:{ClosedPort()}";
        var mirrors = $"mirrors: {{\"{origin}\": [\"{registry.Url}\"]}}";

        using (var untrusted = new SubletEnv($"registries: {{{mirrors}}}"))
        {
            var pull = untrusted.Run("pull", $"{origin}/demo/busybox:1.0");
            Assert.Equal(1, pull.ExitCode);
            Assert.Contains($"mirror https://{registry.Domain}: ", pull.Stderr);
            Assert.Contains("SSL connection could not be established", pull.Stderr);
            Assert.Empty(untrusted.Json("images").EnumerateArray());
        }

        using var env = new SubletEnv($"registries: {{{mirrors}, caFiles: {{\"127.0.0.1\": \"{registry.Ca!.CaFile}\"}}}}");
        var trusted = env.Run("pull", $"{origin}/demo/busybox:1.0");
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Contains($"(digest {digest}", trusted.Stdout);

        // A CA file that isn't one is a clear error naming the setting.
        File.WriteAllText(Path.Combine(env.Root, "bad.pem"), "not a certificate\n");
        using var bad = new SubletEnv($"registries: {{{mirrors}, caFiles: {{\"127.0.0.1\": \"{Path.Combine(env.Root, "bad.pem")}\"}}}}");
        var refused = bad.Run("pull", $"{origin}/demo/busybox:1.0");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"registries.caFiles[127.0.0.1]: {Path.Combine(env.Root, "bad.pem")} holds no PEM certificate", refused.Stderr);
    }

    [Fact]
    public void AMirrorThatIsNotAURLIsAConfigurationErrorWithItsFieldPath()
    {
        using var env = new SubletEnv("registries: {mirrors: {gcr.io: [\"http://mirror.example\"]}}");
        var images = env.Run("images");
        Assert.Equal(1, images.ExitCode);
        Assert.Contains("registries.mirrors[gcr.io][0]: Invalid value: \"http://mirror.example\": plain HTTP is allowed only for loopback hosts and those in registries.insecure", images.Stderr);
    }
}
