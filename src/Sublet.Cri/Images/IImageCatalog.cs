using Sublet.Images;
using Sublet.Images.Registry;
using Sublet.Linux.Files;
using Sublet.Linux.Filesystems;
using Sublet.Runtime.State;

namespace Sublet.Cri.Images;

/// <summary>What the ImageService needs of the node: the image store, who uses an image, and disk usage.</summary>
public interface IImageCatalog
{
    IReadOnlyList<ImageRecord> List();

    /// <summary>By reference, <c>name@digest</c>, ID or unique ID prefix (<see cref="ImageStore.Find"/>); null when absent.</summary>
    ImageRecord? Find(string reference);

    /// <summary>Pulls from the image's registry into the store (<see cref="ImageStore.PullAsync"/>), with <paramref name="credential"/> for its registry when given.</summary>
    Task<ImageRecord> PullAsync(string reference, PullCredential? credential, CancellationToken ct);

    /// <summary>Removes a reference; <see cref="ImageInUseException"/> when that would delete an image containers use.</summary>
    void Remove(string reference);

    /// <summary>Usage of the image store and of the containers' state (ImageFsInfo).</summary>
    (FilesystemSample Images, FilesystemSample Containers) Usage();
}

/// <summary>Bytes and inodes used under a directory, and the mount point of the filesystem holding it.</summary>
public sealed record FilesystemSample(string MountPoint, ulong Bytes, ulong Inodes);

/// <summary>The real node: Sublet's image store and state database under the state root.</summary>
public sealed class StoreImageCatalog(ImageStore store, string stateRoot, PullOptions pullOptions) : IImageCatalog
{
    public Task<ImageRecord> PullAsync(string reference, PullCredential? credential, CancellationToken ct) =>
        store.PullAsync(reference, pullOptions with { Credential = credential }, ct);

    public IReadOnlyList<ImageRecord> List() => store.List();

    public ImageRecord? Find(string reference) => store.Find(reference);

    public void Remove(string reference) => store.Remove(reference, image => ImageUsers.Of(stateRoot, image));

    /// <summary>
    /// The image filesystem is the store; the containers' is everything else under the state root
    /// (pods' writable layers and volumes, layer copies, the database), counted without the store.
    /// </summary>
    public (FilesystemSample Images, FilesystemSample Containers) Usage()
    {
        var images = DiskUsage.Of(store.Root);
        var all = DiskUsage.Of(stateRoot);
        var containers = new DiskUsage(all.Bytes - Math.Min(all.Bytes, images.Bytes), all.Inodes - Math.Min(all.Inodes, images.Inodes));
        return (new(MountPoint(store.Root), images.Bytes, images.Inodes), new(MountPoint(stateRoot), containers.Bytes, containers.Inodes));
    }

    private static string MountPoint(string path) => Filesystem.Of(Filesystem.NearestExisting(path)).MountPoint ?? "/";
}
