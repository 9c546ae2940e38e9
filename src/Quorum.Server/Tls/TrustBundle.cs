using System.Security.Cryptography.X509Certificates;

namespace Quorum.Server.Tls;

/// <summary>The certificate authorities of a PEM CA bundle: a certificate is trusted when it chains to one of them.</summary>
public sealed class TrustBundle
{
    private readonly X509Certificate2Collection authorities;

    private TrustBundle(X509Certificate2Collection authorities) => this.authorities = authorities;

    /// <summary>Reads a CA bundle.</summary>
    /// <param name="path">The PEM file: one or more CA certificates.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="TlsFileException">The file is missing, unreadable, holds no certificate, or only expired ones.</exception>
    public static TrustBundle Load(string path)
    {
        var authorities = PemFile.ReadCertificates(path, "CA file");

        // A bundle may keep an old CA beside its successor during a rotation; it must hold one that is valid now.
        TlsFileException? problem = null;
        foreach (var authority in authorities)
        {
            try
            {
                PemFile.RequireCurrent(authority, path, "CA file");
                return new TrustBundle(authorities);
            }
            catch (TlsFileException e)
            {
                problem ??= e;
            }
        }

        throw problem!;
    }

    /// <summary>Tells whether a certificate chains to one of the bundle's authorities and is valid now.</summary>
    /// <param name="certificate">The certificate the other end presented, or <see langword="null"/>.</param>
    /// <param name="presented">The chain the TLS stack built from what the other end sent, whose intermediates are used.</param>
    /// <returns><see langword="true"/> when the certificate is trusted.</returns>
    public bool Issued(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
            return false;

        using var leaf = certificate is X509Certificate2 full ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        return chain.Build(leaf ?? (X509Certificate2)certificate);
    }
}
