using System.Net;
using System.Text.RegularExpressions;

namespace Sublet.Images.Registry;

/// <summary>
/// Where a registry domain is reached. docker.io's API lives at registry-1.docker.io (docker's
/// registry/config.go, containerd's docker resolver). Plain HTTP only for loopback hosts, which
/// never leave the machine, and for domains the node configuration lists as insecure (docker
/// "insecure-registries", containerd hosts.toml <c>plain-http</c>); everything else is HTTPS with
/// the system CAs.
/// <para>
/// A mirror (node configuration <c>registries.mirrors</c>) is an endpoint too: its
/// <see cref="Domain"/> is the mirror's <c>host[:port]</c> (credentials are looked up for it, as
/// for any registry), and its optional path is a namespace the repository is put under, as
/// containers-registries.conf's mirror <c>location</c> does: <c>http://127.0.0.1:5000/k8s</c>
/// serves <c>registry.k8s.io/pause</c> as <c>127.0.0.1:5000/k8s/pause</c>.
/// </para>
/// </summary>
internal sealed partial record RegistryEndpoint(string Domain, Uri BaseUri)
{
    /// <summary>Path components the repository is put under on a mirror; null for a registry's own endpoint.</summary>
    public string? Namespace { get; init; }

    /// <summary>The mirror URL as configured (normalized), for messages; null for a registry's own endpoint.</summary>
    public string? MirrorUrl { get; init; }

    public bool IsMirror => MirrorUrl is not null;

    /// <summary>How messages name this endpoint: <c>registry.k8s.io</c>, or <c>mirror http://127.0.0.1:5000</c>.</summary>
    public string Describe => MirrorUrl is { } url ? $"mirror {url}" : Domain;

    public static RegistryEndpoint For(string domain, IReadOnlyCollection<string> insecure)
    {
        var host = domain == "docker.io" ? "registry-1.docker.io" : domain;
        var scheme = IsPlainHttp(domain, insecure) ? "http" : "https";
        return new RegistryEndpoint(domain, new Uri($"{scheme}://{host}/"));
    }

    /// <summary>
    /// The endpoints a pull of an image from <paramref name="domain"/> tries, in order: its mirrors
    /// as configured, then the registry itself (containerd hosts.toml: hosts, then <c>server</c>;
    /// containers-registries.conf: mirrors, then <c>location</c>).
    /// </summary>
    public static IReadOnlyList<RegistryEndpoint> Route(string domain, IReadOnlyDictionary<string, IReadOnlyList<string>> mirrors, IReadOnlyCollection<string> insecure)
    {
        var route = new List<RegistryEndpoint>();
        foreach (var url in MirrorsOf(domain, mirrors))
        {
            route.Add(Mirror(url, insecure, out var problem) ?? throw new RegistryException($"registries.mirrors[{domain}]: \"{url}\": {problem}"));
        }
        route.Add(For(domain, insecure));
        return route;
    }

    private static IEnumerable<string> MirrorsOf(string domain, IReadOnlyDictionary<string, IReadOnlyList<string>> mirrors)
    {
        // Keys are matched without regard to case, as host names are; Docker Hub by any of its names.
        string[] names = domain == "docker.io" ? ["docker.io", "index.docker.io", "registry-1.docker.io"] : [domain];
        foreach (var (key, urls) in mirrors)
        {
            if (names.Contains(key, StringComparer.OrdinalIgnoreCase))
                foreach (var url in urls) yield return url;
        }
    }

    /// <summary>
    /// A mirror from its configured form: <c>[http://|https://]host[:port][/namespace]</c>. With no
    /// scheme it is reached as its host would be as a registry (plain HTTP for loopback and
    /// insecure hosts, else HTTPS); <c>http://</c> is accepted only for those hosts. Null, with
    /// <paramref name="problem"/> saying why, when the text is not such a URL.
    /// </summary>
    public static RegistryEndpoint? Mirror(string text, IReadOnlyCollection<string> insecure, out string? problem)
    {
        problem = MirrorProblem(text, insecure, out var scheme, out var authority, out var ns);
        if (problem is not null) return null;
        return new RegistryEndpoint(authority, new Uri($"{scheme}://{authority}/"))
        {
            Namespace = ns,
            MirrorUrl = $"{scheme}://{authority}{(ns is null ? "" : "/" + ns)}",
        };
    }

    /// <summary>Why <paramref name="text"/> cannot be a mirror URL (see <see cref="Mirror"/>); null when it can.</summary>
    public static string? MirrorProblem(string text, IReadOnlyCollection<string> insecure) =>
        MirrorProblem(text, insecure, out _, out _, out _);

    private static string? MirrorProblem(string text, IReadOnlyCollection<string> insecure, out string scheme, out string authority, out string? ns)
    {
        scheme = authority = "";
        ns = null;
        if (string.IsNullOrWhiteSpace(text) || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return "must be a URL, such as http://127.0.0.1:5000 or https://mirror.example/namespace";
        var rest = text;
        string? given = null;
        var sep = rest.IndexOf("://", StringComparison.Ordinal);
        if (sep >= 0)
        {
            given = rest[..sep].ToLowerInvariant();
            rest = rest[(sep + 3)..];
            if (given is not ("http" or "https")) return $"unsupported scheme \"{text[..sep]}\": must be http or https";
        }
        if (rest.IndexOfAny(['?', '#']) >= 0) return "must not have a query or fragment";
        var slash = rest.IndexOf('/');
        authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[(slash + 1)..].TrimEnd('/');
        if (authority.Contains('@')) return "must not hold credentials (put them in registries.authFile, under the mirror's host)";
        if (!HostPort().IsMatch(authority)) return $"bad host \"{authority}\": must be host[:port]";
        if (path.Length > 0)
        {
            foreach (var component in path.Split('/'))
                if (!PathComponent().IsMatch(component))
                    return $"bad namespace component \"{component}\" in the path (lowercase letters, digits and . _ - only)";
            ns = path;
        }
        var plain = IsPlainHttp(authority, insecure);
        if (given == "http" && !plain)
            return $"plain HTTP is allowed only for loopback hosts and those in registries.insecure (add \"{authority}\" there, or use https)";
        scheme = given ?? (plain ? "http" : "https");
        return null;
    }

    private static bool IsPlainHttp(string domain, IReadOnlyCollection<string> insecure) =>
        IsLoopback(domain) || insecure.Contains(domain, StringComparer.OrdinalIgnoreCase);

    // distribution/reference regexp.go: a domain name or "[" IPv6 "]", then an optional port; one path component.
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")]
    private static partial Regex HostPort();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    /// <summary>The repository as this endpoint names it: under the mirror's namespace, if any.</summary>
    public string RepositoryFor(string repository) => Namespace is null ? repository : $"{Namespace}/{repository}";

    public Uri Ping => new(BaseUri, "v2/");

    /// <summary>distribution spec end-2/end-3: <c>/v2/&lt;name&gt;/manifests/&lt;reference&gt;</c>.</summary>
    public Uri Manifest(string repository, string reference) => new(BaseUri, $"v2/{repository}/manifests/{reference}");

    /// <summary>distribution spec end-2: <c>/v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>.</summary>
    public Uri Blob(string repository, string digest) => new(BaseUri, $"v2/{repository}/blobs/{digest}");

    /// <summary><c>localhost</c>, 127.0.0.0/8 and ::1, with or without a port.</summary>
    internal static bool IsLoopback(string domain)
    {
        var host = domain;
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']');
            host = end > 0 ? host[1..end] : host;
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}
