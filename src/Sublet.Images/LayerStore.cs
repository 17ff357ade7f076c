using System.Security.Cryptography;

namespace Sublet.Images;

/// <summary>
/// Unpacked layers: <c>&lt;layers&gt;/&lt;chain-id hex&gt;/fs</c> holds a layer's files, one
/// directory per ChainID so that images sharing a bottom stack share its directories, and the
/// same diff on top of different parents (which overlayfs would show differently) does not
/// collide. A layer is unpacked into a staging directory under the store's tmp area and renamed
/// into place only when complete and verified, so a layer directory is never partial.
/// </summary>
internal sealed class LayerStore(string layersRoot, string tmpDir, BlobStore blobs)
{
    public const string FilesDir = "fs";

    public string PathOf(string layerId) => Path.Combine(layersRoot, layerId, FilesDir);

    public bool Contains(string layerId) => Directory.Exists(Path.Combine(layersRoot, layerId));

    public IEnumerable<string> All() => Directory.EnumerateDirectories(layersRoot).Select(Path.GetFileName)!;

    public void Delete(string layerId) => Directory.Delete(Path.Combine(layersRoot, layerId), recursive: true);

    /// <summary>Unpacks <paramref name="blobDigest"/> as layer <paramref name="layerId"/>, checking its DiffID.</summary>
    public void Unpack(string blobDigest, string diffId, string layerId, CancellationToken ct)
    {
        var staging = Path.Combine(tmpDir, "layer-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = Path.Combine(staging, FilesDir);
            Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateDirectory(files);
            var label = $"layer {blobDigest}";
            var actual = Decompressed(blobDigest, stream => new LayerUnpacker(label, files).Unpack(stream, ct));
            CheckDiffId(blobDigest, actual, diffId);
            Directory.Move(staging, Path.Combine(layersRoot, layerId));
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Checks a blob's uncompressed digest without unpacking it: for a blob new to the store whose
    /// layer directory already exists (same content reached through another archive).
    /// </summary>
    public void Verify(string blobDigest, string diffId, CancellationToken ct)
    {
        var actual = Decompressed(blobDigest, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var hashing = new HashingStream(stream, hash);
            hashing.CopyTo(Stream.Null);
            ct.ThrowIfCancellationRequested();
            return Digest.FromHash(hash);
        });
        CheckDiffId(blobDigest, actual, diffId);
    }

    private string Decompressed(string blobDigest, Func<Stream, string> read)
    {
        try
        {
            using var stream = Compression.Open(blobs.Open(blobDigest));
            return read(stream);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            throw new ImageException($"layer {blobDigest}: cannot decompress: {e.Message}", e);
        }
    }

    private static void CheckDiffId(string blobDigest, string actual, string diffId)
    {
        if (actual != diffId)
            throw new ImageException($"layer {blobDigest}: uncompressed content has digest {actual}, but the config's diff_id is {diffId}");
    }
}
