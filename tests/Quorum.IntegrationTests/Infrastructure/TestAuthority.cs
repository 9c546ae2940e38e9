using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

// Also compiled into the fault-injection runner (Quorum.Chaos), for its TLS mode.
namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// A certificate authority made for one test with .NET's <see cref="CertificateRequest"/>: it
/// issues server, client and peer certificates for 127.0.0.1 and writes them as the PEM files a
/// node reads.
/// </summary>
internal sealed class TestAuthority : IDisposable
{
    private readonly ECDsa key;

    private TestAuthority(string name)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>Gets the CA's own certificate, with its key.</summary>
    public X509Certificate2 Certificate { get; }

    public static TestAuthority Create(string name) => new(name);

    /// <summary>Issues a certificate for 127.0.0.1 (or <paramref name="addresses"/>) and localhost, good for both TLS server and client use.</summary>
    /// <param name="commonName">Its Common Name (for a client certificate, the user it names).</param>
    /// <param name="notAfter">When it expires (default: in a month).</param>
    /// <param name="addresses">The IP addresses it names (default: 127.0.0.1).</param>
    public X509Certificate2 Issue(string commonName, DateTimeOffset? notAfter = null, IReadOnlyList<IPAddress>? addresses = null)
    {
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var address in addresses ?? [IPAddress.Loopback])
            names.AddIpAddress(address);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var end = notAfter ?? DateTimeOffset.UtcNow.AddMonths(1);
        var start = end < DateTimeOffset.UtcNow ? end.AddDays(-30) : DateTimeOffset.UtcNow.AddDays(-1);
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Certificate, start, end, serial);
        return issued.CopyWithPrivateKey(leafKey);
    }

    /// <summary>Writes the CA certificate as a PEM bundle.</summary>
    public string WriteBundle(string path, params TestAuthority[] others)
    {
        File.WriteAllText(path, string.Concat([Certificate.ExportCertificatePem() + "\n", .. others.Select(static o => o.Certificate.ExportCertificatePem() + "\n")]));
        return path;
    }

    /// <summary>Writes a certificate and its key as PEM files, <paramref name="stem"/>.pem and <paramref name="stem"/>-key.pem.</summary>
    /// <returns>The two paths.</returns>
    public static (string Cert, string Key) Write(X509Certificate2 certificate, string stem)
    {
        var certPath = stem + ".pem";
        var keyPath = stem + "-key.pem";
        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        return (certPath, keyPath);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        key.Dispose();
    }
}
