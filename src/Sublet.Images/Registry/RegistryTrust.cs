using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Sublet.Images.Registry;

/// <summary>
/// Which server certificates a pull accepts: those the system CAs vouch for, and for a host with a
/// CA file configured (<c>registries.caFiles</c>; containerd's hosts.toml <c>ca</c>, docker's
/// <c>/etc/docker/certs.d/HOST/ca.crt</c>) also those that CA issued. The name must match either way.
/// </summary>
public static class RegistryTrust
{
    /// <summary>A validation callback for <see cref="SslClientAuthenticationOptions"/>; keys are host names or <c>host:port</c> (the port is not told apart).</summary>
    /// <exception cref="RegistryException">A configured CA file can't be read as PEM certificates.</exception>
    public static RemoteCertificateValidationCallback? Callback(IReadOnlyDictionary<string, string> caFiles)
    {
        if (caFiles.Count == 0)
        {
            return null;
        }
        var roots = caFiles.GroupBy(c => HostOf(c.Key), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => Load(g.Select(c => (c.Key, c.Value))), StringComparer.OrdinalIgnoreCase);
        return (sender, certificate, _, errors) =>
            errors == SslPolicyErrors.None
            || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null
                && sender is SslStream { TargetHostName: var host } && roots.TryGetValue(host, out var trusted)
                && Chains(new X509Certificate2(certificate), trusted));
    }

    /// <summary>Builds the chain to one of <paramref name="trusted"/> alone (X509ChainTrustMode.CustomRootTrust), revocation unchecked as the CA file's issuer publishes none here.</summary>
    internal static bool Chains(X509Certificate2 leaf, X509Certificate2Collection trusted)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection Load(IEnumerable<(string Registry, string File)> files)
    {
        var all = new X509Certificate2Collection();
        foreach (var (registry, file) in files)
        {
            try
            {
                var before = all.Count;
                all.ImportFromPemFile(file);
                if (all.Count == before)
                {
                    throw new RegistryException($"registries.caFiles[{registry}]: {file} holds no PEM certificate");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new RegistryException($"registries.caFiles[{registry}]: can't read {file}: {e.Message}", e);
            }
        }
        return all;
    }

    /// <summary>The host of <c>host[:port]</c>, brackets of an IPv6 literal removed, as <see cref="SslStream.TargetHostName"/> has it.</summary>
    internal static string HostOf(string registry)
    {
        if (registry.StartsWith('['))
        {
            return registry[1..registry.IndexOf(']', StringComparison.Ordinal)];
        }
        var colon = registry.LastIndexOf(':');
        return colon < 0 ? registry : registry[..colon];
    }
}
