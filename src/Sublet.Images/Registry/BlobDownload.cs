namespace Sublet.Images.Registry;

/// <summary>
/// Downloads one blob into the store through its <see cref="PartialBlob"/> (issue 22 item 2):
/// the bytes kept by an earlier attempt are hashed, the rest is asked for with
/// <c>Range: bytes=N-</c> (RFC 9110 §14.2) and appended when the registry answers 206 from N,
/// a 200 starts over. Nothing reaches <c>blobs/</c> unless length and SHA-256 match the
/// descriptor (<see cref="BlobStore.Commit"/>). A connection that breaks mid-body is resumed
/// within the pull; a blob another download holds is waited for, then found in the store.
/// </summary>
internal sealed class BlobDownload(PullOptions options, BlobStore blobs)
{
    // Resumptions of one blob within one pull after its connection broke (or its body ended
    // early) having brought bytes: enough for a dropped connection, and a registry that keeps
    // cutting still fails the pull in bounded time.
    private const int MaxResumes = 2;

    public async Task<string> FetchAsync(RegistryClient client, Descriptor descriptor, string kind, CancellationToken ct)
    {
        var digest = descriptor.Digest;
        var what = $"{kind} {digest}";
        Digest.Hex(digest, what);
        if (descriptor.Size < 0) throw new ImageException($"{what}: negative size {descriptor.Size}");
        for (var round = 0; ; round++)
        {
            if (Present(kind, descriptor)) return digest!;
            using var partial = await blobs.OpenPartialAsync(digest!, descriptor.Size, what, ct);
            // Whoever held the partial before this download may have finished the blob.
            if (Present(kind, descriptor))
            {
                partial.Delete();
                return digest!;
            }
            var kept = partial.Length;
            Report(kind, digest!, kept > 0 ? PullStage.Resumed : PullStage.Started, kept, descriptor.Size);
            await Fill(client, partial, kind, ct);
            try
            {
                blobs.Commit(partial);
            }
            catch (ImageException) when (kept > 0 && round == 0 && partial.Length == partial.Size)
            {
                // Commit dropped the bytes: the ones kept from before may have been the wrong ones,
                // so once more from zero before calling the blob bad.
                continue;
            }
            Report(kind, digest!, PullStage.Done, descriptor.Size, descriptor.Size);
            return digest!;
        }
    }

    private bool Present(string kind, Descriptor descriptor)
    {
        if (!blobs.Contains(descriptor.Digest!)) return false;
        Report(kind, descriptor.Digest!, PullStage.Exists, descriptor.Size, descriptor.Size);
        return true;
    }

    /// <summary>Brings the partial to the descriptor's size, resuming after a break that brought bytes.</summary>
    private async Task Fill(RegistryClient client, PartialBlob partial, string kind, CancellationToken ct)
    {
        for (var resumes = 0; partial.Length < partial.Size; resumes++)
        {
            var before = partial.Length;
            try
            {
                await Transfer(client, partial, kind, ct);
            }
            catch (TransferBrokenException) when (partial.Length > before && resumes < MaxResumes)
            {
                continue;
            }
            // A body that ended cleanly but short (chunked, no Content-Length) is resumed alike;
            // one that brought nothing is left to Commit, which names the size mismatch.
            if (partial.Length == before || resumes >= MaxResumes) return;
        }
    }

    /// <summary>One GET (two when the registry's answer to a Range request cannot be used) appended to the partial.</summary>
    private async Task Transfer(RegistryClient client, PartialBlob partial, string kind, CancellationToken ct)
    {
        var uri = client.Endpoint.Blob(client.Repository, partial.Digest);
        for (var request = 0; request < 2; request++)
        {
            var offset = partial.Length;
            using var response = await client.SendAsync(
                () => new HttpRequestMessage(HttpMethod.Get, uri) { Headers = { Range = RangeResume.RequestFor(offset) } }, ct);
            var range = response.Content.Headers.ContentRange;
            switch (RangeResume.Decide(offset, partial.Size, response.StatusCode, range))
            {
                case ResumeStep.Fail:
                    throw new RegistryException(range?.Length is { } length && length != partial.Size
                        ? $"{partial.What}: size mismatch: the registry has {length} bytes, the descriptor says {partial.Size}"
                        : $"{partial.What}: {await RegistryHttp.Describe(response, ct)}");
                case ResumeStep.RequestWhole:
                    partial.Reset();
                    Report(kind, partial.Digest, PullStage.Started, 0, partial.Size);
                    continue;
                case ResumeStep.StartOver:
                    partial.Reset();
                    Report(kind, partial.Digest, PullStage.Started, 0, partial.Size);
                    break;
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            await using var counting = new ProgressStream(body, done => Report(kind, partial.Digest, PullStage.Progress, done, partial.Size),
                options.StallTimeout, partial.What, partial.Length);
            await partial.AppendAsync(counting, ct);
            return;
        }
        throw new RegistryException($"{partial.What}: the registry answered a request for the whole blob with a part of it");
    }

    private void Report(string kind, string digest, PullStage stage, long done, long total) =>
        options.Progress?.Invoke(new PullProgress(kind, digest, stage, done, total));
}
