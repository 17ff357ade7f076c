using Sublet.Linux.Files;

namespace Sublet.Images;

/// <summary>
/// The node's image store. Layout under <c>root</c> (normally <c>&lt;stateRoot&gt;/images</c>, 0700):
/// <list type="bullet">
/// <item><c>blobs/sha256/&lt;hex&gt;</c>: manifests, configs and layer blobs (image-layout.md);</item>
/// <item><c>layers/&lt;chain-id hex&gt;/fs</c>: unpacked layers (<see cref="LayerPaths"/>);</item>
/// <item><c>images.json</c>: the references (<see cref="RecordsFile"/>);</item>
/// <item><c>tmp/</c>: staging for blobs, layers and extracted archives, emptied by every import;</item>
/// <item><c>partial/&lt;hex&gt;</c>: registry downloads cut short, kept for the next pull to resume
/// (<see cref="PartialBlob"/>), removed by <see cref="Prune"/>;</item>
/// <item><c>lock</c>: flock(2) lock file.</item>
/// </list>
/// Concurrency: several <c>sublet</c> processes may use one store. <see cref="Load"/> and
/// <see cref="Remove"/> hold an exclusive flock on <c>lock</c> for their whole run, so imports and
/// removals are serialized and the garbage collection they end with never sees another process's
/// half-imported blobs. Readers (<see cref="List"/>, <see cref="Find"/>) take no lock: images.json
/// is only ever replaced by rename(2).
/// </summary>
public sealed class ImageStore
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _root;
    private readonly string _tmp;
    private readonly BlobStore _blobs;
    private readonly LayerStore _layers;
    private readonly RecordsFile _records;

    public ImageStore(string root)
    {
        _root = Path.GetFullPath(root);
        _tmp = Path.Combine(_root, "tmp");
        var blobsDir = Path.Combine(_root, "blobs", "sha256");
        LayersRoot = Path.Combine(_root, "layers");
        var partialDir = Path.Combine(_root, "partial");
        foreach (var dir in new[] { _root, Path.Combine(_root, "blobs"), blobsDir, LayersRoot, _tmp, partialDir })
            Directory.CreateDirectory(dir, Private);
        _blobs = new BlobStore(blobsDir, _tmp, partialDir);
        _layers = new LayerStore(LayersRoot, _tmp, _blobs);
        _records = new RecordsFile(Path.Combine(_root, "images.json"));
    }

    /// <summary>The store's directory: blobs, layers and records, nothing else.</summary>
    public string Root => _root;

    /// <summary>The common parent of every unpacked layer directory (<c>&lt;root&gt;/layers</c>).</summary>
    public string LayersRoot { get; }

    /// <summary>
    /// Imports an OCI image layout or a <c>docker save</c> archive, given as a directory or as a
    /// tar file (plain, gzip or zstd). All or nothing: on any error, no reference, blob or layer
    /// directory of this import stays. A reference that already named another image is moved
    /// to the new one (as <c>docker load</c> does); an image left without references is deleted.
    /// Returns one record per reference loaded (an unnamed image: one record named by its ID).
    /// </summary>
    public IReadOnlyList<ImageRecord> Load(string path, CancellationToken ct = default)
    {
        using var storeLock = Lock();
        ClearTmp();
        try
        {
            var imported = Import(path, ct);
            var records = imported.SelectMany(i => Assemble(i, ct)).ToList();
            var loaded = records.Select(r => r.Reference).ToHashSet(StringComparer.Ordinal);
            _records.Write([.. _records.Read().Where(r => !loaded.Contains(r.Reference)), .. records]);
            return records;
        }
        finally
        {
            // After a failure this removes what the import added; after success, images whose
            // references moved away. Either way under the lock, so nothing in use is touched.
            CollectGarbage();
            ClearTmp();
        }
    }

    /// <summary>
    /// Pulls <paramref name="reference"/> from its registry (<see cref="Registry.RegistryFetcher"/>)
    /// and records it under its normalized name, replacing what that name pointed to. The same
    /// guarantees as <see cref="Load"/>: under the store lock (so two pulls of one image download
    /// it once: the second finds the blobs), all or nothing, verified blobs only. Errors name the
    /// image and the registry. A blob whose download was cut short is not part of the store: it
    /// stays in <c>partial/</c> for the next pull to resume with Range (<see cref="Registry.BlobDownload"/>).
    /// </summary>
    public async Task<ImageRecord> PullAsync(string reference, Registry.PullOptions options, CancellationToken ct = default)
    {
        var parsed = ImageReference.Parse(reference);
        using var storeLock = Lock();
        ClearTmp();
        try
        {
            var image = await new Registry.RegistryFetcher(options, _blobs).FetchAsync(parsed, ct);
            var records = Assemble(image, ct).ToList();
            var pulled = records.Select(r => r.Reference).ToHashSet(StringComparer.Ordinal);
            var existing = _records.Read();
            var kept = existing.Where(r => !pulled.Contains(r.Reference)).ToList();
            // A tag that moves to a new image (an Always pull of ":latest") leaves the old image
            // dangling, recorded under its ID as docker does, not deleted: pods started from it
            // still have its layers as overlay lowerdirs. `rmi ID` removes it.
            var dangling = existing.Where(r => pulled.Contains(r.Reference) && r.Id != records[0].Id)
                .Where(r => kept.All(k => k.Id != r.Id)).DistinctBy(r => r.Id).Select(r => r with { Reference = r.Id });
            _records.Write([.. kept, .. dangling, .. records]);
            return records[0];
        }
        catch (Exception e) when (e is ImageException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new Registry.RegistryException($"pulling {parsed} from {parsed.Domain}: {Cause(e)}", e);
        }
        finally
        {
            CollectGarbage();
            ClearTmp();
        }
    }

    private static string Cause(Exception e) => e switch
    {
        TaskCanceledException => "timed out waiting for the registry",
        _ => e.Message,
    };

    public IReadOnlyList<ImageRecord> List() => _records.Read();

    /// <summary>
    /// Finds an image by reference (normalized: <c>busybox</c> is <c>docker.io/library/busybox:latest</c>),
    /// by <c>name@sha256:&lt;manifest digest&gt;</c>, or by its ID or a unique prefix of it (with or
    /// without <c>sha256:</c>). Null when nothing matches; an ambiguous ID prefix is an error.
    /// </summary>
    public ImageRecord? Find(string reference) => ImageLookup.Find(_records.Read(), reference, out _);

    public ImageRecord Get(string reference) => Find(reference) ?? throw new ImageNotFoundException(reference);

    /// <summary>
    /// Removes a reference; given an ID, removes every reference to that image (like
    /// <c>docker rmi -f ID</c>). Then deletes the blobs and layer directories no remaining image
    /// uses. An unknown reference throws <see cref="ImageNotFoundException"/>. When the removal
    /// would delete the image itself (its last reference goes) and <paramref name="users"/> names
    /// anyone using it, nothing is removed and <see cref="ImageInUseException"/> says who; just
    /// untagging an image that keeps another reference is always allowed (as podman does).
    /// </summary>
    public void Remove(string reference, Func<ImageRecord, IReadOnlyList<string>>? users = null)
    {
        using var storeLock = Lock();
        var records = _records.Read();
        var found = ImageLookup.Find(records, reference, out var byId) ?? throw new ImageNotFoundException(reference);
        var kept = records.Where(r => byId ? r.Id != found.Id : r.Reference != found.Reference).ToList();
        if (users is not null && !kept.Any(r => r.Id == found.Id) && users(found) is { Count: > 0 } inUse)
        {
            throw new ImageInUseException(reference, found.Id, inUse);
        }
        _records.Write(kept);
        CollectGarbage();
    }

    /// <summary>
    /// Removes images no container uses and what only they held (<c>docker image prune</c>): the
    /// dangling ones, known by their ID alone since a tag moved away from them, or with
    /// <paramref name="all"/> every unused one. Returns the removed images' IDs and the bytes their
    /// blobs and layer directories took. Downloads cut short and kept for resuming go too, unless
    /// a pull is writing them.
    /// </summary>
    public (IReadOnlyList<string> Removed, ulong Reclaimed) Prune(bool all, Func<ImageRecord, bool> used)
    {
        using var storeLock = Lock();
        var records = _records.Read();
        var removed = records.GroupBy(r => r.Id)
            .Where(g => (all || g.All(r => r.Reference == r.Id)) && !used(g.First()))
            .Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        _records.Write([.. records.Where(r => !removed.Contains(r.Id))]);
        return ([.. removed.Order(StringComparer.Ordinal)], CollectGarbage() + _blobs.DeleteIdlePartials());
    }

    /// <summary>
    /// The directories holding each layer's files, bottom first: <c>LayersRoot/&lt;layerId&gt;/fs</c>.
    /// These are overlayfs lowerdirs (listed top first in the mount option, so reverse them).
    /// </summary>
    public IReadOnlyList<string> LayerPaths(ImageRecord image) => [.. image.LayerIds.Select(_layers.PathOf)];

    private IReadOnlyList<ImportedImage> Import(string path, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        ImageSource source;
        if (Directory.Exists(full)) source = new ImageSource(full, path);
        else if (File.Exists(full)) source = ImageSource.Extract(full, Path.Combine(_tmp, "source-" + Guid.NewGuid().ToString("N")), ct);
        else throw new ImageException($"{path}: no such file or directory");
        // Docker 25+ archives are OCI layouts too; the layout is preferred for its real manifests.
        if (OciLayoutImporter.Recognizes(source)) return new OciLayoutImporter(source, _blobs).Import(ct);
        if (DockerArchiveImporter.Recognizes(source)) return new DockerArchiveImporter(source, _blobs).Import(ct);
        throw new ImageException($"{path}: neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)");
    }

    /// <summary>Reads the config, unpacks missing layers, and makes the image's records.</summary>
    private IEnumerable<ImageRecord> Assemble(ImportedImage image, CancellationToken ct)
    {
        var what = $"config {image.ConfigDigest}";
        var config = OciJson.Parse<OciConfig>(_blobs.Read(image.ConfigDigest), what);
        var diffIds = config.RootFs?.DiffIds ?? throw new ImageException($"{what}: no rootfs.diff_ids");
        foreach (var diffId in diffIds) Digest.Hex(diffId, $"{what}: diff_id");
        if (diffIds.Count != image.LayerDigests.Count)
            throw new ImageException($"{what}: {diffIds.Count} diff_ids for {image.LayerDigests.Count} layers");
        var layerIds = Digest.ChainIds(diffIds).Select(c => Digest.Hex(c, what)).ToList();
        var verifiedBlobs = InUse().Blobs;
        for (var i = 0; i < layerIds.Count; i++)
        {
            if (!_layers.Contains(layerIds[i])) _layers.Unpack(image.LayerDigests[i], diffIds[i], layerIds[i], ct);
            else if (!verifiedBlobs.Contains(image.LayerDigests[i])) _layers.Verify(image.LayerDigests[i], diffIds[i], ct);
        }
        var size = new[] { image.ConfigDigest }.Concat(image.LayerDigests).Sum(d => new FileInfo(_blobs.PathOf(d)).Length);
        var c = config.Config;
        var imageConfig = new ImageConfig(c?.Env ?? [], c?.Entrypoint, c?.Cmd, NullIfEmpty(c?.WorkingDir), NullIfEmpty(c?.User), NullIfEmpty(c?.StopSignal));
        var names = image.References.Count > 0 ? image.References : [image.ConfigDigest];
        return names.Distinct().Select(name => new ImageRecord(
            name, image.ConfigDigest, image.ManifestDigest, layerIds, size, config.Created ?? DateTimeOffset.UnixEpoch, imageConfig)).ToList();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The blobs and layers the recorded images use (mark phase of the collection).</summary>
    private (HashSet<string> Blobs, HashSet<string> Layers) InUse()
    {
        var blobs = new HashSet<string>(StringComparer.Ordinal);
        var layers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in _records.Read())
        {
            blobs.Add(record.Id);
            blobs.Add(record.ManifestDigest);
            layers.UnionWith(record.LayerIds);
            if (!_blobs.Contains(record.ManifestDigest)) continue;
            var manifest = OciJson.Parse<OciManifest>(_blobs.Read(record.ManifestDigest), $"manifest {record.ManifestDigest}");
            blobs.UnionWith((manifest.Layers ?? []).Select(l => l.Digest).OfType<string>());
        }
        return (blobs, layers);
    }

    /// <summary>Deletes blobs and layer directories no record uses and returns the bytes they took. Caller holds the lock.</summary>
    private ulong CollectGarbage()
    {
        var (blobs, layers) = InUse();
        ulong freed = 0;
        foreach (var blob in _blobs.All().Where(b => !blobs.Contains(b)).ToList())
        {
            freed += (ulong)new FileInfo(_blobs.PathOf(blob)).Length;
            _blobs.Delete(blob);
        }
        foreach (var layer in _layers.All().Where(l => !layers.Contains(l)).ToList())
        {
            freed += Sublet.Linux.Files.DiskUsage.Of(Path.GetDirectoryName(_layers.PathOf(layer))!).Bytes;
            _layers.Delete(layer);
        }
        return freed;
    }

    private void ClearTmp()
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(_tmp).ToList())
        {
            if (Directory.Exists(entry) && FileKinds.Of(entry) == FileKind.Directory) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle Lock() => FileOps.LockFile(Path.Combine(_root, "lock"), exclusive: true);
}
