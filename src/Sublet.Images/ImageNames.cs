namespace Sublet.Images;

/// <summary>Questions about image names other projects ask (the grammar itself is <see cref="ImageReference"/>'s).</summary>
public static class ImageNames
{
    /// <summary>
    /// The Kubernetes default for an empty <c>imagePullPolicy</c> (core/v1 SetDefaults_Container):
    /// Always when the tag is <c>latest</c>, also when there is neither tag nor digest; else
    /// IfNotPresent. A malformed name is left to validation (false here).
    /// </summary>
    public static bool PullsAlwaysByDefault(string image) =>
        ImageReference.TryParse(image, out var parsed) && parsed.Tag == "latest";

    /// <summary>Whether <paramref name="domain"/> is a registry <c>host[:port]</c> (reference grammar "domain").</summary>
    public static bool IsDomain(string domain) => ImageReference.TryParse(domain + "/x", out var parsed) && parsed.Domain == domain;

    /// <summary><c>debian</c> → <c>docker.io/library/debian:latest</c>; throws <see cref="ImageException"/> naming what is malformed.</summary>
    public static string Normalize(string image) => ImageReference.Normalize(image);

    /// <summary>The registry domain of an image reference: <c>docker.io</c> for <c>debian</c>.</summary>
    public static string Domain(string image) => ImageReference.Parse(image).Domain;
}
