using System.Text.Json;
using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// The image's status, or a response without <c>image</c> when it is not present: absence
    /// is not an error here (ImageStatusResponse.image "if the image isn't present, returns an
    /// empty response"); the kubelet pulls on that answer. <c>verbose</c> adds info["info"].
    /// </summary>
    public override Task<ImageStatusResponse> ImageStatus(ImageStatusRequest request, ServerCallContext context)
    {
        var response = new ImageStatusResponse();
        var found = _images.Find(request.Image?.Image ?? "");
        if (found is null)
        {
            return Task.FromResult(response);
        }
        var records = _images.List().Where(r => r.Id == found.Id).ToList();
        response.Image = ImageMapper.ToImage(records);
        if (request.Verbose)
        {
            var c = found.Config;
            var info = new ImageInfo(found.Id, [.. records.Select(r => r.Reference)], found.ManifestDigest, found.LayerIds, found.Size, found.Created,
                new ImageConfigInfo(c.Env, c.Entrypoint, c.Cmd, c.WorkingDir, c.User, c.StopSignal));
            response.Info.Add("info", JsonSerializer.Serialize(info, CriJson.Default.ImageInfo));
        }
        return Task.FromResult(response);
    }
}
