using System.Net;

namespace Quorum.Server;

/// <summary>How the HTTP API is served.</summary>
public sealed class ServerOptions
{
    /// <summary>Gets the options as they are when nothing is set: the one place the defaults are written down.</summary>
    public static ServerOptions Defaults { get; } = new();

    /// <summary>Gets the address and port the HTTP API binds.</summary>
    public IPEndPoint HttpEndPoint { get; init; } = new(IPAddress.Loopback, 8080);

    /// <summary>Gets the base URLs of running members to join through, for a node with an empty data directory.</summary>
    public IReadOnlyList<string> JoinUrls { get; init; } = [];

    /// <summary>Gets the node's TLS (HTTPS for the API, and which callers are peers), or <see langword="null"/> for plain HTTP.</summary>
    public Tls.NodeTls? Tls { get; init; }

    /// <summary>Gets the file audit records are appended to as JSON lines, or <see langword="null"/> for the ordinary log.</summary>
    public string? AuditLogPath { get; init; }

    /// <summary>
    /// Gets the node's metrics, made before the store opened so that they cover start-up, or
    /// <see langword="null"/> to start them with the server (the caller keeps ownership either way).
    /// </summary>
    public Metrics.NodeMetrics? Metrics { get; init; }

    /// <summary>Gets the scheduled backups the leader takes, or <see langword="null"/> for none.</summary>
    public Backup.BackupSchedule? Backups { get; init; }

    /// <summary>Gets how long a stopping server waits for in-flight requests.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
