using System.Net;

namespace Sublet.Images.Registry;

/// <summary>
/// Where a registry domain is reached. docker.io's API lives at registry-1.docker.io (docker's
/// registry/config.go, containerd's docker resolver). Plain HTTP only for loopback hosts, which
/// never leave the machine, and for domains the node configuration lists as insecure (docker
/// "insecure-registries", containerd hosts.toml <c>plain-http</c>); everything else is HTTPS with
/// the system CAs.
/// </summary>
internal sealed record RegistryEndpoint(string Domain, Uri BaseUri)
{
    public static RegistryEndpoint For(string domain, IReadOnlyCollection<string> insecure)
    {
        var host = domain == "docker.io" ? "registry-1.docker.io" : domain;
        var scheme = IsLoopback(domain) || insecure.Contains(domain, StringComparer.OrdinalIgnoreCase) ? "http" : "https";
        return new RegistryEndpoint(domain, new Uri($"{scheme}://{host}/"));
    }

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
