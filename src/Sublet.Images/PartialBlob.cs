using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sublet.Linux;
using Sublet.Linux.Files;

namespace Sublet.Images;

/// <summary>
/// A blob being downloaded, kept at <c>&lt;store&gt;/partial/&lt;hex&gt;</c> so that a download
/// cut short (a dropped connection, a killed <c>sublet pull</c>) goes on from where it stopped
/// (issue 22 item 2). It is never a blob: <see cref="BlobStore.Commit"/> moves it into
/// <c>blobs/</c> only once its length and SHA-256 match the descriptor.
/// <para>
/// The file is held under an exclusive flock(2) on itself, so two downloads of one blob (two
/// processes, or one manifest naming a layer twice) never write it at once: the second waits,
/// then finds the blob in the store. A holder that commits or discards renames or unlinks the
/// file while locked; a waiter then holds a lock on an inode no longer at the path, which
/// <see cref="Open"/> detects (fstat against lstat) and opens the path afresh.
/// </para>
/// </summary>
internal sealed class PartialBlob : IDisposable
{
    private readonly FileStream _file;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    private PartialBlob(SafeFileHandle handle, string path, string digest, long size, string what)
    {
        Path = path;
        Digest = digest;
        Size = size;
        What = what;
        // Unbuffered: what was received is in the file even if the process is killed the next moment.
        _file = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
    }

    public string Path { get; }
    public string Digest { get; }
    public long Size { get; }
    public string What { get; }

    /// <summary>Bytes kept so far, all of them in the running hash.</summary>
    public long Length { get; private set; }

    /// <summary>Locks (waiting for another holder) and opens the partial at <paramref name="path"/>, hashing the bytes it already has.</summary>
    public static async Task<PartialBlob> OpenAsync(string path, string digest, long size, string what, CancellationToken ct)
    {
        while (true)
        {
            // Blocking, as the store lock is: the holder is a download that ends, or a dead process whose lock the kernel dropped.
            var handle = FileOps.LockFile(path, exclusive: true);
            if (!IsAt(handle, path))
            {
                // Committed (now a blob: let it go at once, see BlobStore.Commit) or deleted.
                handle.Dispose();
                continue;
            }
            var partial = new PartialBlob(handle, path, digest, size, what);
            try
            {
                await partial.HashKept(ct);
                return partial;
            }
            catch
            {
                partial.Dispose();
                throw;
            }
        }
    }

    private static bool IsAt(SafeFileHandle handle, string path)
    {
        try
        {
            var held = FileStatus.Of(handle, path);
            var there = FileStatus.Of(path);
            return held.Inode == there.Inode && held.Device == there.Device;
        }
        catch (LinuxError e) when (e.Errno == Errno.ENOENT)
        {
            return false;
        }
    }

    private async Task HashKept(CancellationToken ct)
    {
        // More than the blob can hold is not a prefix of it.
        if (_file.Length > Size) _file.SetLength(0);
        _file.Position = 0;
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await _file.ReadAsync(buffer, ct)) > 0) _hash.AppendData(buffer, 0, n);
        Length = _file.Position;
    }

    /// <summary>
    /// Appends <paramref name="source"/> to the kept bytes, hashing on the way. The descriptor's
    /// size bounds it: a source that goes past it is refused and the partial dropped.
    /// </summary>
    public async Task AppendAsync(Stream source, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await source.ReadAsync(buffer, ct)) > 0)
        {
            if (Length + n > Size)
            {
                Reset();
                throw new ImageException($"{What}: size mismatch: the content has more than the {Size} bytes the descriptor says");
            }
            await _file.WriteAsync(buffer.AsMemory(0, n), ct);
            _hash.AppendData(buffer, 0, n);
            Length += n;
        }
    }

    /// <summary>Drops the kept bytes: the next append starts the blob from zero.</summary>
    public void Reset()
    {
        _file.SetLength(0);
        _file.Position = 0;
        _hash.Dispose();
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Length = 0;
    }

    /// <summary>The digest of the kept bytes (null until they are as many as the descriptor says).</summary>
    public string? CompleteDigest() => Length == Size ? Images.Digest.Prefix + Convert.ToHexStringLower(_hash.GetCurrentHash()) : null;

    /// <summary>Removes the file (the caller holds the lock, so no one else is writing it).</summary>
    public void Delete() => File.Delete(Path);

    /// <summary>Closes the file, which releases the lock; again is harmless.</summary>
    public void Dispose()
    {
        _file.Dispose();
        _hash.Dispose();
    }
}
