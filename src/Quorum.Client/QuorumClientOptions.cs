using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Quorum.Client;

/// <summary>How a <see cref="QuorumClient"/> proves who it is and whom it trusts.</summary>
public sealed class QuorumClientOptions
{
    /// <summary>Gets the user to send as <c>Authorization: Basic</c>, with <see cref="Password"/>.</summary>
    public string? User { get; init; }

    /// <summary>Gets the user's password.</summary>
    public string? Password { get; init; }

    /// <summary>Gets a bearer token (from <see cref="QuorumClient.GetTokenAsync"/>) to send instead of a user and password.</summary>
    public string? Token { get; init; }

    /// <summary>Gets the CAs a server's certificate may chain to, besides the system's roots; its name must still match the URL.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    /// <summary>Gets the client certificate (with its private key) to present, for a server with client-certificate auth.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Reads a PEM CA bundle for <see cref="TrustedAuthorities"/>.</summary>
    /// <param name="path">The PEM file.</param>
    /// <returns>Its certificates.</returns>
    public static X509Certificate2Collection ReadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count > 0 ? authorities : throw new InvalidDataException($"{path} holds no PEM certificate.");
    }

    /// <summary>Builds the handler a client with these options sends through.</summary>
    /// <returns>The handler.</returns>
    internal SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (ClientCertificate is { } certificate)
            handler.SslOptions.ClientCertificates = [certificate];
        if (TrustedAuthorities is { Count: > 0 } authorities)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, errors) => errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && ChainsTo(server, authorities));
        return handler;
    }

    private static bool ChainsTo(X509Certificate? server, X509Certificate2Collection authorities)
    {
        if (server is not X509Certificate2 certificate)
            return false;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        return chain.Build(certificate);
    }
}
