namespace Quorum.Server.Tls;

/// <summary>
/// The TLS files of a node, as the <c>serve</c> flags of the security contract name them. Nothing
/// set means plain HTTP and a plain Raft transport, as for a development node.
/// </summary>
public sealed record TlsOptions
{
    /// <summary>Gets the PEM certificate of the HTTP API; with <see cref="KeyFile"/>, the API speaks HTTPS only.</summary>
    public string? CertFile { get; init; }

    /// <summary>Gets the private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Gets the CA bundle client certificates must chain to.</summary>
    public string? TrustedCaFile { get; init; }

    /// <summary>Gets a value indicating whether the HTTP API refuses a handshake without a client certificate.</summary>
    public bool ClientCertAuth { get; init; }

    /// <summary>Gets the certificate this node presents to its peers, on the Raft transport and in node-to-node HTTP.</summary>
    public string? PeerCertFile { get; init; }

    /// <summary>Gets the private key of <see cref="PeerCertFile"/>.</summary>
    public string? PeerKeyFile { get; init; }

    /// <summary>Gets the CA bundle peers' certificates must chain to.</summary>
    public string? PeerTrustedCaFile { get; init; }

    /// <summary>Gets a value indicating whether the HTTP API speaks HTTPS.</summary>
    public bool IsHttps => CertFile is not null;

    /// <summary>Gets a value indicating whether nodes authenticate each other with certificates.</summary>
    public bool IsPeerTls => PeerCertFile is not null;
}
