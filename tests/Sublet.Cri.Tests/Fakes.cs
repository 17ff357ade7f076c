using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Sublet.Cri.Images;
using Sublet.Cri.Runtime;
using Sublet.Images;

namespace Sublet.Cri.Tests;

/// <summary>A ServerCallContext for calling handlers directly (no server, no transport).</summary>
internal sealed class FakeCallContext(string method = "/runtime.v1.RuntimeService/Test", CancellationToken cancel = default) : ServerCallContext
{
    protected override string MethodCore => method;
    protected override string HostCore => "localhost";
    protected override string PeerCore => "unix:test";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => cancel;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}

internal sealed class FakeProbe(UserNamespaceSupport answer) : IUserNamespaceProbe
{
    public int Calls { get; private set; }

    public UserNamespaceSupport Probe()
    {
        Calls++;
        return answer;
    }
}

/// <summary>An image store in memory; lookups by exact reference or ID, as the tests need.</summary>
internal sealed class FakeCatalog : IImageCatalog
{
    public List<ImageRecord> Records { get; } = [];
    public Dictionary<string, IReadOnlyList<string>> Users { get; } = [];
    public List<string> Removed { get; } = [];
    public (FilesystemSample Images, FilesystemSample Containers) Sample { get; set; } = (new("/", 0, 0), new("/", 0, 0));

    public IReadOnlyList<ImageRecord> List() => Records;

    public ImageRecord? Find(string reference) => Records.FirstOrDefault(r => r.Reference == reference || r.Id == reference);

    /// <summary>What each pull was asked for; a pull of a reference in <see cref="Pullable"/> lands it, any other fails as a registry would.</summary>
    public List<(string Reference, Sublet.Images.Registry.PullCredential? Credential)> Pulls { get; } = [];
    public Dictionary<string, ImageRecord> Pullable { get; } = [];

    public Task<ImageRecord> PullAsync(string reference, Sublet.Images.Registry.PullCredential? credential, CancellationToken ct)
    {
        Pulls.Add((reference, credential));
        if (!Pullable.TryGetValue(reference, out var record))
        {
            throw new Sublet.Images.Registry.RegistryException($"pulling {reference} from example.test: manifest unknown");
        }
        Records.Add(record);
        return Task.FromResult(record);
    }

    public void Remove(string reference)
    {
        var found = Find(reference) ?? throw new ImageNotFoundException(reference);
        var byId = found.Id == reference;
        var kept = Records.Where(r => byId ? r.Id != found.Id : r.Reference != reference).ToList();
        if (!kept.Any(r => r.Id == found.Id) && Users.TryGetValue(found.Id, out var users))
        {
            throw new ImageInUseException(reference, found.Id, users);
        }
        Removed.Add(reference);
        Records.Clear();
        Records.AddRange(kept);
    }

    public (FilesystemSample Images, FilesystemSample Containers) Usage() => Sample;

    public static ImageRecord Record(string reference, string id, string? user = null, string manifest = "sha256:" + "m") =>
        new(reference, id, manifest.Length > 8 ? manifest : "sha256:" + new string('e', 64), ["aa", "bb"], 1234,
            new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), new ImageConfig(["PATH=/bin"], null, ["sh"], "/", user, null));
}

internal static class Services
{
    /// <summary>One meter for every service the tests make (instruments are process-wide; tests read them through their own listener).</summary>
    public static readonly Metrics.CriMetrics Metrics = new();

    public static readonly CriSettings Settings = new("/var/lib/sublet", "/run/sublet", "/var/lib/sublet/images", "runc", "/run/sublet/sublet.sock");

    public static CriRuntimeService Runtime(UserNamespaceSupport userns, FakeSandboxRuntime? runtime = null) =>
        Runtime(userns, runtime ?? new FakeSandboxRuntime(), out _);

    public static CriRuntimeService Runtime(UserNamespaceSupport userns, FakeSandboxRuntime runtime, out Events.ContainerEvents events)
    {
        events = new Events.ContainerEvents(runtime, TimeProvider.System, NullLogger<Events.ContainerEvents>.Instance);
        return new(Settings, new NodeFeatures(new FakeProbe(userns)), runtime, events, Metrics, TimeProvider.System, NullLogger<CriRuntimeService>.Instance);
    }

    public static CriImageService Images(FakeCatalog catalog, TimeProvider? time = null) =>
        new(catalog, time ?? TimeProvider.System, NullLogger<CriImageService>.Instance);
}

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
