using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Sublet.Integration.Tests;

/// <summary>
/// Images a test makes for itself: the demo image (busybox) with one more layer holding the
/// test's entries, written as an OCI image layout and loaded through <c>sublet image load</c>
/// like any other image. The layer is a plain tar written by System.Formats.Tar, so it can carry
/// what a hostile image would: device nodes, FIFOs, symlinks out, oversized files.
/// </summary>
internal static class TestImages
{
    private static readonly DateTimeOffset Epoch = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Builds and loads <c>localhost/NAME:test</c>; returns that reference.</summary>
    /// <param name="user">The image config's User, when not the demo image's (unset).</param>
    public static string Load(SubletEnv env, string name, IEnumerable<TarEntry> entries, string? user = null)
    {
        var reference = $"localhost/{name}:test";
        env.Ok("image", "load", Write(Path.Combine(env.Root, "image-" + name), reference, entries, user));
        return reference;
    }

    /// <summary>Writes the image as an OCI layout at <paramref name="layout"/> (to load, or to push to a registry); returns the layout.</summary>
    public static string Write(string layout, string reference, IEnumerable<TarEntry> entries, string? user = null)
    {
        var blobs = Path.Combine(layout, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var demo = DemoImage.Layout;
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(demo, "index.json")))!;
        var manifest = JsonNode.Parse(File.ReadAllText(Blob(demo, (string)index["manifests"]![0]!["digest"]!)))!;
        var config = JsonNode.Parse(File.ReadAllText(Blob(demo, (string)manifest["config"]!["digest"]!)))!;
        var baseLayer = (string)manifest["layers"]![0]!["digest"]!;
        File.Copy(Blob(demo, baseLayer), Path.Combine(blobs, Hex(baseLayer)));

        var tar = Tar(entries);
        var layer = Put(blobs, tar);
        config["rootfs"]!["diff_ids"]!.AsArray().Add(layer.Digest);
        if (user is not null)
        {
            config["config"]!["User"] = user;
        }
        var configBlob = Put(blobs, System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
        manifest["config"]!["digest"] = configBlob.Digest;
        manifest["config"]!["size"] = configBlob.Size;
        manifest["layers"]!.AsArray().Add(new JsonObject
        {
            ["mediaType"] = "application/vnd.oci.image.layer.v1.tar", ["digest"] = layer.Digest, ["size"] = layer.Size,
        });
        var manifestBlob = Put(blobs, System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        var descriptor = index["manifests"]![0]!;
        descriptor["digest"] = manifestBlob.Digest;
        descriptor["size"] = manifestBlob.Size;
        descriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = reference };
        File.WriteAllText(Path.Combine(layout, "index.json"), index.ToJsonString());
        File.WriteAllText(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        return layout;
    }

    public static TarEntry Dir(string name) =>
        new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101, ModificationTime = Epoch };

    public static TarEntry RegularFile(string name, byte[] content) => new PaxTarEntry(TarEntryType.RegularFile, name)
    {
        Mode = (UnixFileMode)0b110_100_100, ModificationTime = Epoch, DataStream = new MemoryStream(content),
    };

    public static TarEntry RegularFile(string name, string content) => RegularFile(name, System.Text.Encoding.UTF8.GetBytes(content));

    public static TarEntry Symlink(string name, string target) =>
        new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0b111_111_111, ModificationTime = Epoch };

    /// <summary>A character device node owned by root, mode 0666, as an image may ship in its layers.</summary>
    public static TarEntry CharDevice(string name, int major, int minor) => new PaxTarEntry(TarEntryType.CharacterDevice, name)
    {
        Mode = (UnixFileMode)0b110_110_110, ModificationTime = Epoch, DeviceMajor = major, DeviceMinor = minor,
    };

    public static TarEntry Fifo(string name) =>
        new PaxTarEntry(TarEntryType.Fifo, name) { Mode = (UnixFileMode)0b110_100_100, ModificationTime = Epoch };

    private static byte[] Tar(IEnumerable<TarEntry> entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    private static (string Digest, long Size) Put(string blobs, byte[] content)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(Path.Combine(blobs, hex), content);
        return ("sha256:" + hex, content.Length);
    }

    private static string Blob(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", Hex(digest));

    private static string Hex(string digest) => digest["sha256:".Length..];
}
