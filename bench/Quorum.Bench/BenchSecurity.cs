using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Quorum.Bench;

/// <summary>
/// How the load generator reaches a store with TLS or auth on (the same for both targets): the CA
/// its certificates chain to, a client certificate, and a user. Nothing set: plain HTTP, anonymous.
/// </summary>
/// <param name="CaFile">PEM CA bundle the servers' certificates chain to.</param>
/// <param name="CertFile">PEM client certificate.</param>
/// <param name="KeyFile">Its PEM key.</param>
/// <param name="User">The user, or <see langword="null"/>.</param>
/// <param name="Password">Its password.</param>
internal sealed record BenchSecurity(string? CaFile, string? CertFile, string? KeyFile, string? User, string? Password)
{
    /// <summary>Builds a handler that trusts <see cref="CaFile"/> and presents the client certificate.</summary>
    /// <param name="handler">The handler to configure.</param>
    /// <returns>The same handler.</returns>
    public SocketsHttpHandler Configure(SocketsHttpHandler handler)
    {
        if (CertFile is not null && KeyFile is not null)
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(CertFile, KeyFile)];

        if (CaFile is not null)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(CaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                    return true;
                if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 server)
                    return false;

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                return chain.Build(server);
            };
        }

        return handler;
    }
}
