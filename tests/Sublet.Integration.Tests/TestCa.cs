using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sublet.Integration.Tests;

/// <summary>A throwaway CA and a server certificate it issued for 127.0.0.1, as PEM files in <paramref name="dir"/>.</summary>
internal sealed record TestCa(string CaFile, string CertFile, string KeyFile)
{
    public static TestCa Create(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=sublet test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        using var cert = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), [1, 2, 3, 4]);

        var result = new TestCa(Path.Combine(dir, "ca.pem"), Path.Combine(dir, "server.pem"), Path.Combine(dir, "server.key"));
        File.WriteAllText(result.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(result.CertFile, cert.ExportCertificatePem());
        File.WriteAllText(result.KeyFile, key.ExportPkcs8PrivateKeyPem());
        return result;
    }
}
