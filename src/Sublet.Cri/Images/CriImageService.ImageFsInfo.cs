using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// Usage of the filesystems holding images and containers' writable state, which the
    /// kubelet's image garbage collection and eviction read (ImageFsInfoResponse). Bytes are
    /// allocated blocks and inodes distinct inodes under each directory, timestamp in
    /// nanoseconds; the containers' figures exclude the image store.
    /// </summary>
    public override Task<ImageFsInfoResponse> ImageFsInfo(ImageFsInfoRequest request, ServerCallContext context)
    {
        var (images, containers) = _images.Usage();
        var now = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        var response = new ImageFsInfoResponse();
        response.ImageFilesystems.Add(Usage(images, now));
        response.ContainerFilesystems.Add(Usage(containers, now));
        return Task.FromResult(response);
    }

    private static FilesystemUsage Usage(FilesystemSample sample, long timestamp) => new()
    {
        Timestamp = timestamp,
        FsId = new FilesystemIdentifier { Mountpoint = sample.MountPoint },
        UsedBytes = new UInt64Value { Value = sample.Bytes },
        InodesUsed = new UInt64Value { Value = sample.Inodes },
    };
}
