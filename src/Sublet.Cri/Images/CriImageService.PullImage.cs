using System.Text;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Images.Registry;

namespace Sublet.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// PullImageRequest → PullImageResponse.image_ref (the image ID). The kubelet has already
    /// applied imagePullPolicy, so this pulls; an image the store already holds under that
    /// reference is answered from the store without the network, so a node that was given its
    /// images by <c>sublet image load</c> (or is offline) still serves them.
    /// </summary>
    public override async Task<PullImageResponse> PullImage(PullImageRequest request, ServerCallContext context)
    {
        var reference = request.Image?.Image ?? "";
        if (reference.Length == 0)
        {
            throw new ArgumentException("PullImage: image.image is empty");
        }
        if (_images.Find(reference) is { } stored)
        {
            return new PullImageResponse { ImageRef = stored.Id };
        }
        var pulled = await _images.PullAsync(reference, Credential(request.Auth), context.CancellationToken);
        return new PullImageResponse { ImageRef = pulled.Id };
    }

    /// <summary>
    /// AuthConfig (api.proto): username and password, or <c>auth</c> = base64("user:password")
    /// as in a docker config; the token forms are refused by name rather than ignored.
    /// </summary>
    internal static PullCredential? Credential(AuthConfig? auth)
    {
        if (auth is null)
        {
            return null;
        }
        if (auth.Username.Length > 0)
        {
            return new PullCredential(auth.Username, auth.Password);
        }
        if (auth.Auth.Length > 0)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.Auth));
            }
            catch (FormatException)
            {
                throw new ArgumentException("PullImage: auth.auth is not base64 of user:password");
            }
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 ? new PullCredential(decoded[..colon], decoded[(colon + 1)..])
                : throw new ArgumentException("PullImage: auth.auth is not base64 of user:password");
        }
        if (auth.IdentityToken.Length > 0 || auth.RegistryToken.Length > 0)
        {
            throw new ArgumentException("PullImage: auth.identity_token and auth.registry_token are not supported; send username and password");
        }
        return null;
    }
}
