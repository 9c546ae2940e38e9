using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Quorum.Server.Tls;

/// <summary>Reads PEM files for TLS, turning every way they can be unusable into a message that names the file.</summary>
internal static class PemFile
{
    /// <summary>Reads a file's text.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file should hold, for messages ("certificate file").</param>
    /// <returns>The text.</returns>
    /// <exception cref="TlsFileException">The file is missing or unreadable.</exception>
    public static string Read(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TlsFileException($"The {what} {path} does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException($"The {what} {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Reads every certificate in a PEM file, in file order.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file should hold, for messages.</param>
    /// <returns>The certificates; at least one.</returns>
    /// <exception cref="TlsFileException">The file is missing, unreadable, or holds no PEM certificate.</exception>
    public static X509Certificate2Collection ReadCertificates(string path, string what)
    {
        var text = Read(path, what);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException($"The {what} {path} is not a PEM certificate: {e.Message}", e);
        }

        return certificates.Count > 0 ? certificates : throw new TlsFileException($"The {what} {path} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block).");
    }

    /// <summary>Fails for a certificate outside its validity period.</summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="path">The file it came from.</param>
    /// <param name="what">What the file holds, for messages.</param>
    /// <exception cref="TlsFileException">The certificate has expired or is not valid yet.</exception>
    public static void RequireCurrent(X509Certificate2 certificate, string path, string what)
    {
        var now = DateTime.Now;
        if (certificate.NotAfter < now)
            throw new TlsFileException($"The {what} {path} ({certificate.Subject}) expired on {certificate.NotAfter.ToUniversalTime():u}.");
        if (certificate.NotBefore > now)
            throw new TlsFileException($"The {what} {path} ({certificate.Subject}) is not valid until {certificate.NotBefore.ToUniversalTime():u}.");
    }
}
