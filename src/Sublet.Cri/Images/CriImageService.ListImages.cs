using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>Every image, one entry per ID; <c>filter.image.image</c> keeps only the image it names (ListImagesRequest.filter).</summary>
    public override Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context)
    {
        var records = _images.List();
        if (request.Filter?.Image?.Image is { Length: > 0 } wanted)
        {
            var found = _images.Find(wanted);
            records = found is null ? [] : [.. records.Where(r => r.Id == found.Id)];
        }
        var response = new ListImagesResponse();
        response.Images.AddRange(ImageMapper.ById(records).Select(ImageMapper.ToImage));
        return Task.FromResult(response);
    }
}
