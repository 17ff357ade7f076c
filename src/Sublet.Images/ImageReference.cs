using System.Text.RegularExpressions;

namespace Sublet.Images;

/// <summary>
/// An image reference in the grammar of distribution/reference (reference.go), normalized the way
/// docker, containerd and podman's docker transport do: no domain means <c>docker.io</c>, a single
/// path component on docker.io gets <c>library/</c>, and no tag and no digest means <c>:latest</c>.
/// <c>localhost/busybox:demo</c> stays as it is: its first component names a domain.
/// </summary>
internal sealed partial record ImageReference(string Name, string? Tag, string? Digest)
{
    private const string DefaultDomain = "docker.io";

    // path-component and tag from distribution/reference regexp.go.
    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$")]
    private static partial Regex TagPattern();

    // domain-name or "[" IPv6 "]", then an optional port (distribution/reference regexp.go, v0.5).
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainPattern();

    /// <summary>The registry host (and port) the name starts with: <c>docker.io</c>, <c>127.0.0.1:5000</c>.</summary>
    public string Domain => Name[..Name.IndexOf('/')];

    /// <summary>The repository path inside the registry: <c>library/debian</c> (distribution spec "&lt;name&gt;").</summary>
    public string Repository => Name[(Name.IndexOf('/') + 1)..];

    /// <summary>What the manifest endpoint is asked for: the digest when pinned (it wins over a tag), else the tag.</summary>
    public string ManifestReference => Digest ?? Tag!;

    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public static string Normalize(string reference) => Parse(reference).ToString();

    public static bool TryParse(string reference, out ImageReference parsed)
    {
        try
        {
            parsed = Parse(reference);
            return true;
        }
        catch (InvalidImageReferenceException)
        {
            parsed = null!;
            return false;
        }
    }

    public static ImageReference Parse(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference)) throw Invalid(reference, "the reference is empty");
        if (reference.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) throw Invalid(reference, "it contains white space or control characters");
        string? digest = null;
        var rest = reference;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!Images.Digest.IsValid(digest)) throw Invalid(reference, "the digest must be sha256:<64 lowercase hex>");
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag)) throw Invalid(reference, $"bad tag \"{tag}\"");
        }

        var components = rest.Split('/');
        var domain = DefaultDomain;
        var path = components;
        if (components.Length > 1 && IsDomain(components[0]))
        {
            domain = components[0];
            path = components[1..];
            if (!DomainPattern().IsMatch(domain)) throw Invalid(reference, $"bad domain \"{domain}\"");
        }
        if (domain == "index.docker.io") domain = DefaultDomain;
        if (domain == DefaultDomain && path.Length == 1) path = ["library", path[0]];
        foreach (var component in path)
            if (!PathComponent().IsMatch(component))
                throw Invalid(reference, $"bad name component \"{component}\" (lowercase letters, digits and . _ - only)");

        var name = domain + "/" + string.Join('/', path);
        // reference.go NameTotalLengthMax.
        if (name.Length > 255) throw Invalid(reference, "the repository name is longer than 255 characters");
        if (tag is null && digest is null) tag = "latest";
        return new ImageReference(name, tag, digest);
    }

    // A first component is a domain when it looks like a host: docker's splitDockerDomain rule.
    private static bool IsDomain(string component) =>
        component.Contains('.') || component.Contains(':') || component == "localhost" || component.Any(char.IsUpper);

    private static InvalidImageReferenceException Invalid(string reference, string why) =>
        new($"invalid image reference \"{reference}\": {why}");
}
