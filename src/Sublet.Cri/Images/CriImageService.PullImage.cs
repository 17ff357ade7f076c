using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Runtime.State;

namespace Sublet.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// Sublet has no registry client yet: an image already in the store (loaded with
    /// <c>sublet image load</c>) is "pulled" by answering its ID (PullImageResponse.image_ref);
    /// any other is NotFound, saying so, rather than pretending a pull happened.
    /// </summary>
    public override Task<PullImageResponse> PullImage(PullImageRequest request, ServerCallContext context)
    {
        var reference = request.Image?.Image ?? "";
        if (reference.Length == 0)
        {
            throw new ArgumentException("PullImage: image.image is empty");
        }
        var found = _images.Find(reference)
            ?? throw new NotFoundException($"image \"{reference}\" is not in the node's image store, and Sublet cannot pull from registries yet: only images loaded into the store are available");
        return Task.FromResult(new PullImageResponse { ImageRef = found.Id });
    }
}
