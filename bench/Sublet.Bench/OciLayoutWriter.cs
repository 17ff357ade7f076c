using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sublet.Bench;

/// <summary>
/// Writes a one-layer OCI image layout (image-spec image-layout.md) whose layer holds
/// <c>files</c> small regular files: up to 100 per directory, in <c>dNN/sN/</c> nests.
/// The layer is an uncompressed tar (media type ...tar), so its digest is its DiffID.
/// </summary>
internal static class OciLayoutWriter
{
    public static void Write(string dir, string reference, int files)
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var layerTmp = Path.Combine(dir, "layer.tar");
        using (var stream = File.Create(layerTmp))
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: false))
        {
            var dirsMade = new HashSet<string>(StringComparer.Ordinal);
            void Dir(string name)
            {
                if (!dirsMade.Add(name)) return;
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name + "/") { Mode = (UnixFileMode)0b111_101_101, ModificationTime = DateTimeOffset.UnixEpoch });
            }
            for (var i = 0; i < files; i++)
            {
                // 100 files per leaf dir, 10 leaf dirs per top dir: d000/s0/f00 ... 50,000 files = 50 top dirs.
                var top = $"d{i / 1000:D3}";
                var leaf = $"{top}/s{i / 100 % 10}";
                Dir(top);
                Dir(leaf);
                var data = Encoding.ASCII.GetBytes($"file {i}\n");
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{leaf}/f{i % 100:D2}")
                {
                    Mode = (UnixFileMode)0b110_100_100,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    DataStream = new MemoryStream(data),
                };
                tar.WriteEntry(entry);
            }
        }
        var layer = File.ReadAllBytes(layerTmp);
        File.Delete(layerTmp);
        Finish(dir, reference, layer, new JsonObject { ["Cmd"] = new JsonArray("/bin/true") });
    }

    /// <summary>
    /// A one-layer image of host files copied in (source → path in the image, mode kept), whose
    /// entrypoint is <paramref name="entrypoint"/>: the pause image for containerd (catatonit, the
    /// same pause Sublet runs).
    /// </summary>
    public static void WriteFiles(string dir, string reference, IReadOnlyList<(string Source, string Path)> files, string[] entrypoint)
    {
        using var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (source, path) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path)
                {
                    Mode = File.GetUnixFileMode(source),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    DataStream = File.OpenRead(source),
                });
            }
        }
        Finish(dir, reference, stream.ToArray(), new JsonObject { ["Entrypoint"] = new JsonArray(entrypoint.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()) });
    }

    private static void Finish(string dir, string reference, byte[] layer, JsonObject imageConfig)
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var (layerHex, layerSize) = Put(blobs, layer);

        var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
        var config = new JsonObject
        {
            ["created"] = "1970-01-01T00:00:00Z",
            ["architecture"] = arch,
            ["os"] = "linux",
            ["config"] = imageConfig,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray($"sha256:{layerHex}") },
        };
        var (configHex, configSize) = Put(blobs, Json(config));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = $"sha256:{configHex}", ["size"] = configSize },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar", ["digest"] = $"sha256:{layerHex}", ["size"] = layerSize }),
        };
        var (manifestHex, manifestSize) = Put(blobs, Json(manifest));
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["digest"] = $"sha256:{manifestHex}",
                ["size"] = manifestSize,
                ["platform"] = new JsonObject { ["architecture"] = arch, ["os"] = "linux" },
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = reference },
            }),
        };
        File.WriteAllBytes(Path.Combine(dir, "index.json"), Json(index));
        File.WriteAllText(Path.Combine(dir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
    }

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));

    private static (string Hex, long Size) Put(string blobs, byte[] content)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(Path.Combine(blobs, hex), content);
        return (hex, content.LongLength);
    }
}
