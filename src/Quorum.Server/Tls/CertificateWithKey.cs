using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Quorum.Server.Tls;

/// <summary>A certificate with its private key, and the chain a TLS endpoint sends with it, read from PEM files.</summary>
public sealed class CertificateWithKey
{
    private CertificateWithKey(X509Certificate2 certificate, SslStreamCertificateContext context)
    {
        Certificate = certificate;
        Context = context;
    }

    /// <summary>Gets the certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the certificate and the intermediates that followed it in its file, ready for a TLS handshake.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>Reads a certificate (optionally followed by its intermediates) and its key.</summary>
    /// <param name="certificatePath">The PEM certificate file.</param>
    /// <param name="keyPath">The PEM private key file.</param>
    /// <returns>The certificate.</returns>
    /// <exception cref="TlsFileException">A file is missing or unreadable, the key does not match, or the certificate has expired.</exception>
    public static CertificateWithKey Load(string certificatePath, string keyPath)
    {
        var chain = PemFile.ReadCertificates(certificatePath, "certificate file");
        var keyText = PemFile.Read(keyPath, "key file");
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(chain[0].ExportCertificatePem(), keyText);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException($"The key file {keyPath} does not hold the private key of the certificate in {certificatePath}: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new TlsFileException(
                keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal)
                    ? $"The key file {keyPath} does not hold the private key of the certificate in {certificatePath}."
                    : $"The key file {keyPath} holds no PEM private key: {e.Message}",
                e);
        }

        PemFile.RequireCurrent(leaf, certificatePath, "certificate file");
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
            intermediates.Add(chain[i]);

        return new CertificateWithKey(leaf, SslStreamCertificateContext.Create(leaf, intermediates, offline: true));
    }
}
