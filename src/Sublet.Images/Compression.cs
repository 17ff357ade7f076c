using System.IO.Compression;
using ZstdSharp;

namespace Sublet.Images;

/// <summary>
/// Layer and archive compression, recognised by magic bytes rather than by media type: docker's
/// media types say gzip for layers that are plain tar, and archives carry no media type at all.
/// </summary>
internal static class Compression
{
    private static readonly byte[] Gzip = [0x1f, 0x8b];
    private static readonly byte[] Zstd = [0x28, 0xb5, 0x2f, 0xfd];

    public static string Detect(Stream seekable)
    {
        Span<byte> magic = stackalloc byte[4];
        var start = seekable.Position;
        var n = seekable.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        seekable.Position = start;
        if (magic[..n].StartsWith(Gzip)) return "gzip";
        if (magic[..n].StartsWith(Zstd)) return "zstd";
        return "tar";
    }

    /// <summary>The decompressed view of <paramref name="seekable"/>; disposing it disposes the source.</summary>
    public static Stream Open(Stream seekable) => Detect(seekable) switch
    {
        "gzip" => new GZipStream(seekable, CompressionMode.Decompress),
        "zstd" => new DecompressionStream(seekable),
        _ => seekable,
    };

    /// <summary>The OCI media type (image-spec media-types.md) for a layer blob of this content.</summary>
    public static string LayerMediaType(Stream seekable) => Detect(seekable) switch
    {
        "gzip" => "application/vnd.oci.image.layer.v1.tar+gzip",
        "zstd" => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    };
}
