using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sublet.Images.Tests;

/// <summary>A layer for a test image: its uncompressed tar and how the blob is compressed.</summary>
internal sealed record TestLayer(byte[] Tar, string Compression = "gzip")
{
    public byte[] Blob { get; } = Compression switch
    {
        "gzip" => Tars.Gzip(Tar),
        "zstd" => Tars.Zstd(Tar),
        _ => Tar,
    };

    public string DiffId => Layouts.Sha(Tar);

    public static TestLayer Of(Tars tars, string compression = "gzip") => new(tars.Build(), compression);
}

/// <summary>Writes OCI image layouts and docker-save directories the way the tools do.</summary>
internal static class Layouts
{
    public static string Sha(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    public static byte[] Config(IEnumerable<TestLayer> layers, string cmd = "sh") => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["created"] = "2024-05-06T07:08:09Z",
        ["architecture"] = "amd64",
        ["os"] = "linux",
        ["config"] = new JsonObject
        {
            ["Env"] = new JsonArray("PATH=/bin", "A=b"),
            ["Cmd"] = new JsonArray(cmd),
            ["WorkingDir"] = "/w",
        },
        ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)l.DiffId)]) },
    }.ToJsonString());

    /// <summary>Writes a blob file; returns its digest.</summary>
    public static string Blob(string dir, byte[] data)
    {
        var digest = Sha(data);
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        File.WriteAllBytes(Path.Combine(dir, "blobs", "sha256", digest[7..]), data);
        return digest;
    }

    public static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    /// <summary>
    /// An OCI layout with one image. <paramref name="multiPlatform"/> puts the manifest in a
    /// nested index beside an arm64 entry. Returns the manifest digest.
    /// </summary>
    public static string WriteOci(string dir, string? refName, IReadOnlyList<TestLayer> layers, bool multiPlatform = false, string cmd = "sh")
    {
        var config = Config(layers, cmd);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", Blob(dir, config), config.Length),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)Descriptor(MediaType(l), Blob(dir, l.Blob), l.Blob.Length))]),
        }.ToJsonString());
        var manifestDigest = Blob(dir, manifest);
        var top = Descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.Length);
        if (multiPlatform)
        {
            var arm = Descriptor("application/vnd.oci.image.manifest.v1+json", Sha([1, 2, 3]), 3);
            arm["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "arm64" };
            top["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "amd64" };
            var nested = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.index.v1+json",
                ["manifests"] = new JsonArray(arm, top),
            }.ToJsonString());
            top = Descriptor("application/vnd.oci.image.index.v1+json", Blob(dir, nested), nested.Length);
        }
        if (refName is not null) top["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = refName };
        File.WriteAllText(Path.Combine(dir, "index.json"), new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(top),
        }.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return manifestDigest;
    }

    /// <summary>A classic `docker save` directory: &lt;hex&gt;.json config, &lt;n&gt;/layer.tar, manifest.json.</summary>
    public static string WriteDockerSave(string dir, IReadOnlyList<string> repoTags, IReadOnlyList<TestLayer> layers)
    {
        Directory.CreateDirectory(dir);
        var config = Config(layers);
        var configName = Sha(config)[7..] + ".json";
        File.WriteAllBytes(Path.Combine(dir, configName), config);
        var names = new List<JsonNode>();
        for (var i = 0; i < layers.Count; i++)
        {
            Directory.CreateDirectory(Path.Combine(dir, $"v1-{i}"));
            File.WriteAllBytes(Path.Combine(dir, $"v1-{i}", "layer.tar"), layers[i].Blob);
            names.Add($"v1-{i}/layer.tar");
        }
        File.WriteAllText(Path.Combine(dir, "manifest.json"), new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray([.. repoTags.Select(t => (JsonNode)t)]),
            ["Layers"] = new JsonArray([.. names]),
        }).ToJsonString());
        return Sha(config);
    }

    private static string MediaType(TestLayer layer) => layer.Compression switch
    {
        "gzip" => "application/vnd.oci.image.layer.v1.tar+gzip",
        "zstd" => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    };

    public static void Rewrite(string file, Func<string, string> change) => File.WriteAllText(file, change(File.ReadAllText(file)));
}
