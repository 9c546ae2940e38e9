using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Quorum.Server.Tls;

/// <summary>
/// A node's TLS, loaded from its <see cref="TlsOptions"/> and re-read when the files change: the
/// HTTP API's handshake, the certificate it presents to other nodes, and the Raft transport's
/// mutual TLS. Every handshake reads the current files, so a rotation needs no restart and leaves
/// open connections as they are.
/// </summary>
public sealed class NodeTls : IDisposable
{
    // Set on a connection whose client certificate chains to the peer CA; read per request.
    private const string PeerConnectionItem = "quorum.peer";

    private readonly TlsOptions options;
    private readonly ReloadingFile<CertificateWithKey>? api;
    private readonly ReloadingFile<TrustBundle>? clientAuthorities;
    private readonly ReloadingFile<CertificateWithKey>? peer;
    private readonly ReloadingFile<TrustBundle>? peerAuthorities;

    private NodeTls(TlsOptions options, ILoggerFactory loggerFactory)
    {
        this.options = options;
        var logger = loggerFactory.CreateLogger<NodeTls>();
        try
        {
            if (options is { CertFile: { } cert, KeyFile: { } key })
                api = new([cert, key], () => CertificateWithKey.Load(cert, key), logger);
            if (options.TrustedCaFile is { } ca)
                clientAuthorities = new([ca], () => TrustBundle.Load(ca), logger);
            if (options is { PeerCertFile: { } peerCert, PeerKeyFile: { } peerKey })
                peer = new([peerCert, peerKey], () => CertificateWithKey.Load(peerCert, peerKey), logger);
            if (options.PeerTrustedCaFile is { } peerCa)
                peerAuthorities = new([peerCa], () => TrustBundle.Load(peerCa), logger);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Gets a value indicating whether the HTTP API speaks HTTPS.</summary>
    public bool IsHttps => api is not null;

    /// <summary>Gets a value indicating whether nodes must prove they are peers with a certificate from the peer CA.</summary>
    public bool IsPeerTls => peer is not null && peerAuthorities is not null;

    /// <summary>Loads the files of <paramref name="options"/>.</summary>
    /// <param name="options">The files.</param>
    /// <param name="loggerFactory">Where reloads are reported.</param>
    /// <returns>The node's TLS.</returns>
    /// <exception cref="TlsFileException">A file cannot be used; the node must not start.</exception>
    public static NodeTls Load(TlsOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new(options, loggerFactory);
    }

    /// <summary>Makes a Kestrel endpoint speak HTTPS only, with this node's API certificate, asking for client certificates when they are trusted.</summary>
    /// <param name="listen">The endpoint.</param>
    public void UseHttps(ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (api is null)
            return;

        listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = context => ValueTask.FromResult(ServerOptions(context.Connection)) });
    }

    /// <summary>Tells whether a request came over a connection whose client certificate chains to the peer CA.</summary>
    /// <param name="context">The request.</param>
    /// <returns><see langword="true"/> for a peer.</returns>
    public static bool IsPeerConnection(HttpContext context)
        => context?.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(PeerConnectionItem, out var peer) == true && peer is true;

    /// <summary>Gets the TLS settings of this node's requests to other nodes' HTTP APIs, or <see langword="null"/> when it has no certificate to present or trust to add.</summary>
    /// <returns>The settings.</returns>
    public SslClientAuthenticationOptions? NodeClientOptions()
    {
        if (api is null && peer is null)
            return null;

        return new SslClientAuthenticationOptions
        {
            // The peer certificate when there is one; otherwise the API's own, so that a node can
            // call another whose API asks for client certificates.
            LocalCertificateSelectionCallback = (_, _, _, _, _) => (peer ?? api)!.Current.Certificate,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => errors == SslPolicyErrors.None
                || peerAuthorities?.Current.Issued(certificate, chain) == true
                || clientAuthorities?.Current.Issued(certificate, chain) == true,
        };
    }

    /// <summary>Gets the Raft transport's mutual TLS, or <see langword="null"/> without peer TLS.</summary>
    /// <returns>The transport's options: both ends present a certificate, and each must chain to the peer CA.</returns>
    public DotNext.Net.Security.SslOptions? RaftOptions()
    {
        if (!IsPeerTls)
            return null;

        var raft = new DotNext.Net.Security.SslOptions();
        raft.ServerOptions.ServerCertificateSelectionCallback = (_, _) => peer!.Current.Certificate;
        raft.ServerOptions.ClientCertificateRequired = true;
        raft.ServerOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) => peerAuthorities!.Current.Issued(certificate, chain);
        raft.ClientOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => peer!.Current.Certificate;

        // Membership is proof by the peer CA, not by name: nodes dial each other by address.
        raft.ClientOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) => peerAuthorities!.Current.Issued(certificate, chain);
        return raft;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        api?.Dispose();
        clientAuthorities?.Dispose();
        peer?.Dispose();
        peerAuthorities?.Dispose();
    }

    private SslServerAuthenticationOptions ServerOptions(ConnectionContext connection) => new()
    {
        ServerCertificateContext = api!.Current.Context,
        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],

        // Asked for whenever some CA can vouch for one: clients with --trusted-ca-file, nodes with the peer CA.
        ClientCertificateRequired = clientAuthorities is not null || peerAuthorities is not null,
        RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            if (certificate is null)
                return !options.ClientCertAuth;

            if (peerAuthorities?.Current.Issued(certificate, chain) == true)
            {
                connection.Items[PeerConnectionItem] = true;
                return true;
            }

            return clientAuthorities?.Current.Issued(certificate, chain) == true;
        },
    };
}
