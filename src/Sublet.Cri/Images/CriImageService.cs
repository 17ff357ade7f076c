using Microsoft.Extensions.Logging;
using Sublet.Cri.Api;

namespace Sublet.Cri.Images;

/// <summary>runtime.v1.ImageService over the node's image store: one file per RPC (CriImageService.&lt;Rpc&gt;.cs).</summary>
public sealed partial class CriImageService(IImageCatalog images, TimeProvider time, ILogger<CriImageService> logger) : ImageService.ImageServiceBase
{
    private readonly IImageCatalog _images = images;
    private readonly TimeProvider _time = time;
    private readonly ILogger<CriImageService> _logger = logger;
}
