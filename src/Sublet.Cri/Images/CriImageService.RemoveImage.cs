using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sublet.Cri.Api;

namespace Sublet.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// Removes the image (by ID: every reference; by reference: that one). Removing an image
    /// that is not there succeeds: "This call is idempotent, and must not return an error if the
    /// image has already been removed" (RemoveImageRequest). An image that containers use is
    /// refused with FailedPrecondition naming them (<see cref="Sublet.Images.ImageInUseException"/>).
    /// </summary>
    public override Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context)
    {
        var reference = request.Image?.Image ?? "";
        if (_images.Find(reference) is { } found)
        {
            try
            {
                _images.Remove(reference);
                LogRemoved(_logger, reference, found.Id);
            }
            catch (Sublet.Images.ImageNotFoundException)
            {
                // Removed by someone else between the lookup and the removal: still idempotent.
            }
        }
        return Task.FromResult(new RemoveImageResponse());
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Removed image {Reference} ({ImageId})")]
    private static partial void LogRemoved(ILogger logger, string reference, string imageId);
}
