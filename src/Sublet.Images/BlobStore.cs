using System.Security.Cryptography;
using Sublet.Linux.Files;

namespace Sublet.Images;

/// <summary>
/// Content-addressed blobs at <c>&lt;root&gt;/blobs/sha256/&lt;hex&gt;</c>, the layout of
/// image-spec image-layout.md. A blob is written to a temporary file under the store, its sha256
/// checked, and only then renamed into place, so a blob file always holds what its name says.
/// Registry downloads go through <see cref="PartialBlob"/>s in <c>partialDir</c> instead, which
/// outlive a failed pull so that the next one resumes them.
/// </summary>
internal sealed class BlobStore(string blobsDir, string tmpDir, string partialDir)
{
    public string PathOf(string digest) => Path.Combine(blobsDir, Digest.Hex(digest, "blob"));

    public bool Contains(string digest) => File.Exists(PathOf(digest));

    public FileStream Open(string digest) => File.OpenRead(PathOf(digest));

    public byte[] Read(string digest) => File.ReadAllBytes(PathOf(digest));

    /// <summary>
    /// Copies <paramref name="source"/> into the store and returns its digest. When
    /// <paramref name="expected"/> is given, a different digest (or size, when
    /// <paramref name="expectedSize"/> is not negative) is an error naming <paramref name="what"/>;
    /// nothing is stored then.
    /// </summary>
    public string Add(string source, string? expected, long expectedSize, string what, CancellationToken ct)
    {
        if (expected is not null && Contains(expected)) return expected;
        using var input = File.OpenRead(source);
        return AddAsync(input, expected, expectedSize, what, ct).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Streams <paramref name="input"/> (a registry response body) into the store, hashing while
    /// writing, so a blob of any size costs one buffer of memory. The same checks as
    /// <see cref="Add"/>: nothing is stored unless digest and size match.
    /// </summary>
    public async Task<string> AddAsync(Stream input, string? expected, long expectedSize, string what, CancellationToken ct)
    {
        if (expected is not null && Contains(expected)) return expected;
        var tmp = Path.Combine(tmpDir, "blob-" + Guid.NewGuid().ToString("N"));
        try
        {
            string actual;
            long length;
            await using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await input.ReadAsync(buffer, ct)) > 0)
                {
                    // The descriptor's size bounds the copy: a source that keeps going is refused, not stored.
                    if (expectedSize >= 0 && output.Length + n > expectedSize)
                        throw new ImageException($"{what}: size mismatch: the content has more than the {expectedSize} bytes the descriptor says");
                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), ct);
                }
                actual = Digest.FromHash(hash);
                length = output.Length;
            }
            if (expected is not null && actual != expected)
                throw new ImageException($"{what}: digest mismatch: the content has {actual}, expected {expected}");
            if (expectedSize >= 0 && length != expectedSize)
                throw new ImageException($"{what}: size mismatch: the content has {length} bytes, the descriptor says {expectedSize}");
            if (!Contains(actual)) File.Move(tmp, PathOf(actual));
            return actual;
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>The download of <paramref name="digest"/> kept so far, locked for the caller (<see cref="PartialBlob"/>).</summary>
    public Task<PartialBlob> OpenPartialAsync(string digest, long size, string what, CancellationToken ct) =>
        PartialBlob.OpenAsync(Path.Combine(partialDir, Digest.Hex(digest, what)), digest, size, what, ct);

    /// <summary>
    /// Moves a complete download into the store, if its length and SHA-256 are the descriptor's.
    /// A full-length partial with another digest holds wrong bytes somewhere: it is deleted (so a
    /// retry starts clean) and the mismatch is an error naming the blob.
    /// </summary>
    public void Commit(PartialBlob partial)
    {
        if (partial.Length != partial.Size)
            throw new ImageException($"{partial.What}: size mismatch: the content has {partial.Length} bytes, the descriptor says {partial.Size}");
        var actual = partial.CompleteDigest()!;
        if (actual != partial.Digest)
        {
            partial.Delete();
            throw new ImageException($"{partial.What}: digest mismatch: the content has {actual}, expected {partial.Digest}");
        }
        // rename(2) while the partial's lock is held: a waiter then sees the path gone and the blob in
        // place. The lock goes at once: .NET's File.Open takes a shared flock to emulate FileShare,
        // and would call the blob "used by another process" while an exclusive one is on it.
        FileOps.Rename(partial.Path, PathOf(partial.Digest));
        partial.Dispose();
    }

    /// <summary>
    /// Deletes the partial downloads no one is writing (<c>sublet image prune</c>) and returns the
    /// bytes they took. One that is locked belongs to a pull under way and stays.
    /// </summary>
    public ulong DeleteIdlePartials()
    {
        ulong freed = 0;
        foreach (var path in Directory.EnumerateFiles(partialDir).ToList())
        {
            using var held = FileOps.TryLockFile(path, TimeSpan.Zero);
            if (held is null || !File.Exists(path)) continue;
            freed += (ulong)new FileInfo(path).Length;
            File.Delete(path);
        }
        return freed;
    }

    /// <summary>Stores a document this process made (a manifest synthesised for `docker save`).</summary>
    public string AddBytes(byte[] data, CancellationToken ct)
    {
        var tmp = Path.Combine(tmpDir, "doc-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(tmp, data);
            return Add(tmp, Digest.Of(data), data.Length, "generated manifest", ct);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    public IEnumerable<string> All() =>
        Directory.EnumerateFiles(blobsDir).Select(f => Digest.Prefix + Path.GetFileName(f)).Where(Digest.IsValid);

    public void Delete(string digest) => File.Delete(PathOf(digest));
}
