using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>How a test's client speaks HTTPS to a node: the CAs it trusts and the certificate it presents, if any.</summary>
/// <param name="Trusted">The CAs a server certificate may chain to.</param>
/// <param name="Certificate">The client certificate, or <see langword="null"/> for none.</param>
internal sealed record ClientTls(IReadOnlyList<X509Certificate2> Trusted, X509Certificate2? Certificate = null)
{
    /// <summary>Gets the thumbprints of the server certificates seen by handlers made here, in handshake order.</summary>
    public List<string> ServerCertificatesSeen { get; } = [];

    /// <summary>Makes a handler that checks the server against <see cref="Trusted"/> and presents <see cref="Certificate"/>.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = Certificate is null ? null : [Certificate],
            LocalCertificateSelectionCallback = Certificate is null ? null : (_, _, _, _, _) => Certificate,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is not X509Certificate2 server)
                    return false;

                lock (ServerCertificatesSeen)
                    ServerCertificatesSeen.Add(server.Thumbprint);
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(Trusted.ToArray());
                return chain.Build(server);
            },
        },
    };
}
