using System.CommandLine;
using System.Globalization;
using Quorum.Contracts;
using Quorum.Server;
using Quorum.Server.Backup;
using Quorum.Store;

namespace Quorum.Serve;

/// <summary>
/// A flag of <c>quorum serve</c> and the environment variable that sets it when the flag is absent.
/// </summary>
/// <param name="Option">The flag, parsed by System.CommandLine as text; <see cref="ServeSettings"/> checks the value.</param>
/// <param name="Variable">The environment variable.</param>
/// <param name="Default">The value used when neither is set, or <see langword="null"/> when absence means something (no <c>--join</c>).</param>
internal sealed record ServeFlag(Option<string> Option, string Variable, string? Default)
{
    /// <summary>Gets the flag's name, such as <c>--http-port</c>.</summary>
    public string Name => Option.Name;
}

/// <summary>
/// Every flag of <c>quorum serve</c>, its variable and its default, in one place: the node
/// configuration contract's table, plus the tuning knobs. Help is made from the same descriptions.
/// </summary>
internal static class ServeFlags
{
    // The defaults are the options' own (StoreOptions.Defaults, ServerOptions.Defaults), written
    // here as the flags spell them; declared first, since the flags below are built from them.
    private static readonly StoreOptions Store = StoreOptions.Defaults;
    private static readonly ServerOptions Server = ServerOptions.Defaults;

    /// <summary>HTTP API port.</summary>
    public static readonly ServeFlag HttpPort = Flag("--http-port", "PORT", Server.HttpEndPoint.Port.ToString(CultureInfo.InvariantCulture), "HTTP API port");

    /// <summary>Where the node keeps its data.</summary>
    public static readonly ServeFlag DataDir = Flag("--data-dir", "STORAGE_PATH", Store.DataDirectory, "WAL, snapshots, node identity, cluster configuration", shownDefault: "./data");

    /// <summary>The address the Raft transport binds.</summary>
    public static readonly ServeFlag RaftAddress = Flag("--raft-address", "RAFT_ADDRESS", Store.RaftEndPoint.Address.ToString(), "address the Raft transport binds");

    /// <summary>The Raft transport's port.</summary>
    public static readonly ServeFlag RaftPort = Flag("--raft-port", "RAFT_PORT", Store.RaftEndPoint.Port.ToString(CultureInfo.InvariantCulture), "Raft transport port");

    /// <summary>Members to join through.</summary>
    public static readonly ServeFlag Join = Flag("--join", "RAFT_LEADER", null, "HTTP URL(s) of any running member, comma-separated: join that cluster", shownDefault: "none");

    /// <summary>The address the HTTP API binds.</summary>
    public static readonly ServeFlag HttpAddress = Flag("--http-address", "HTTP_ADDRESS", Server.HttpEndPoint.Address.ToString(), "address the HTTP API binds");

    /// <summary>This node's ID.</summary>
    public static readonly ServeFlag NodeId = Flag("--node-id", "NODE_ID", null, "this node's ID", shownDefault: "generated once, then kept");

    /// <summary>The Raft address other nodes dial.</summary>
    public static readonly ServeFlag AdvertiseRaft = Flag("--advertise-raft", "ADVERTISE_RAFT", null, "Raft address other nodes dial, if not the bound one", shownDefault: "raft address:port");

    /// <summary>The HTTP URL other nodes and clients use.</summary>
    public static readonly ServeFlag AdvertiseHttp = Flag("--advertise-http", "ADVERTISE_HTTP", null, "HTTP URL other nodes and clients use for this node", shownDefault: "http://http address:port");

    /// <summary>The folder scheduled backups go to.</summary>
    public static readonly ServeFlag BackupDir = Flag("--backup-dir", "BACKUP_DIR", null, "take scheduled backups (on the leader) into this folder, each as 'quorum snapshot save' would", shownDefault: "none: no scheduled backups");

    /// <summary>How often the leader takes a backup.</summary>
    public static readonly ServeFlag BackupInterval = Flag("--backup-interval", "BACKUP_INTERVAL", "1h", "how often the leader takes a backup into --backup-dir; skipped when the revision has not moved");

    /// <summary>How many backups are kept.</summary>
    public static readonly ServeFlag BackupKeep = Flag("--backup-keep", "BACKUP_KEEP", Count(BackupSchedule.DefaultKeep), "how many of the newest backups in --backup-dir are kept");

    /// <summary>Log entries applied between two snapshots.</summary>
    public static readonly ServeFlag SnapshotInterval = Flag("--snapshot-interval", "SNAPSHOT_INTERVAL", Count(Store.SnapshotInterval), "log entries applied between two snapshots");

    /// <summary>Bytes of log entries between two snapshots.</summary>
    public static readonly ServeFlag SnapshotLogSize = Flag("--snapshot-log-size", "SNAPSHOT_LOG_SIZE", Size(Store.SnapshotLogBytes), "or this many bytes of log entries (at least as many as the last snapshot had), whichever comes first");

    /// <summary>The largest value accepted.</summary>
    public static readonly ServeFlag MaxValueSize = Flag("--max-value-size", "MAX_VALUE_SIZE", Size(Store.MaxValueBytes), "largest value accepted (bytes, or with KiB/MiB suffix)");

    /// <summary>The quota on live keys and values.</summary>
    public static readonly ServeFlag QuotaBytes = Flag("--quota-bytes", "QUOTA_BYTES", Count(Store.QuotaBytes), "most bytes of live keys and values the store holds; a write that would pass it gets 507, deletes always pass (0: no quota)", shownDefault: "0: no quota");

    /// <summary>The free space writes leave on the data directory's disk.</summary>
    public static readonly ServeFlag DiskReserveBytes = Flag("--disk-reserve-bytes", "DISK_RESERVE_BYTES", Size(Store.DiskReserveBytes), "free space writes must leave on the data directory's disk; below it writes get 507 until space is freed (0: no check)");

    /// <summary>The shortest election timeout.</summary>
    public static readonly ServeFlag ElectionTimeout = Flag("--election-timeout", "ELECTION_TIMEOUT", DurationText.Format(Store.ElectionTimeout), "shortest election timeout; the longest is twice it");

    /// <summary>How long one Raft request, a whole snapshot install included, may take.</summary>
    public static readonly ServeFlag RaftRequestTimeout = Flag("--raft-request-timeout", "RAFT_REQUEST_TIMEOUT", null, "how long one Raft request may take; a member far behind gets the whole snapshot as one request, so raise it on every member and the new one (about 10s per GB of snapshot) to add a member to a large store, and put it back after: it also bounds a vote to a hung member", shownDefault: "the larger of 2s and 4 election timeouts");

    /// <summary>The flush p99 above which the node warns.</summary>
    public static readonly ServeFlag WarnFsync = Flag("--warn-fsync", "WARN_FSYNC", DurationText.Format(Store.SlowFsyncWarning), "warn in the log when the write-ahead log's flush p99 over 5 s passes this");

    /// <summary>The peer round-trip p99 above which the leader warns.</summary>
    public static readonly ServeFlag WarnPeerRtt = Flag("--warn-peer-rtt", "WARN_PEER_RTT", DurationText.Format(Store.SlowPeerWarning), "warn in the log when a peer's AppendEntries round-trip p99 over 5 s passes this");

    /// <summary>How long a batch of writes may wait for more.</summary>
    public static readonly ServeFlag GroupCommitWait = Flag("--group-commit-wait", "GROUP_COMMIT_WAIT", DurationText.Format(Store.GroupCommitWait), "under load, how long the next batch of writes may wait for more (0 turns it off)");

    /// <summary>Recent changes kept for watchers.</summary>
    public static readonly ServeFlag WatchHistory = Flag("--watch-history", "WATCH_HISTORY", Count(Store.WatchHistoryChanges), "recent changes kept for watchers that start from a past revision or reconnect");

    /// <summary>Bytes the watch history may keep.</summary>
    public static readonly ServeFlag WatchHistorySize = Flag("--watch-history-size", "WATCH_HISTORY_SIZE", Size(Store.WatchHistoryBytes), "most bytes of keys and values the watch history keeps");

    /// <summary>The lowest level logged.</summary>
    public static readonly ServeFlag LogLevel = Flag("--log-level", "LOG_LEVEL", "info", "debug, info, warning or error");

    /// <summary>The HTTP API's PEM certificate.</summary>
    public static readonly ServeFlag CertFile = Flag("--cert-file", "CERT_FILE", null, "PEM certificate for the HTTP API; with --key-file the API speaks HTTPS only", shownDefault: "none: plain HTTP");

    /// <summary>Its PEM private key.</summary>
    public static readonly ServeFlag KeyFile = Flag("--key-file", "KEY_FILE", null, "PEM private key of --cert-file", shownDefault: "none");

    /// <summary>The CA bundle client certificates must chain to.</summary>
    public static readonly ServeFlag TrustedCaFile = Flag("--trusted-ca-file", "TRUSTED_CA_FILE", null, "PEM CA bundle that client certificates must chain to", shownDefault: "none");

    /// <summary>Whether the API refuses handshakes without a client certificate.</summary>
    public static readonly ServeFlag ClientCertAuth = Flag("--client-cert-auth", "CLIENT_CERT_AUTH", "false", "true: the HTTP API refuses a TLS handshake without a client certificate from --trusted-ca-file");

    /// <summary>The certificate this node presents to its peers.</summary>
    public static readonly ServeFlag PeerCertFile = Flag("--peer-cert-file", "PEER_CERT_FILE", null, "PEM certificate this node presents to its peers (Raft transport and node-to-node HTTP)", shownDefault: "none: no peer TLS");

    /// <summary>Its PEM private key.</summary>
    public static readonly ServeFlag PeerKeyFile = Flag("--peer-key-file", "PEER_KEY_FILE", null, "PEM private key of --peer-cert-file", shownDefault: "none");

    /// <summary>The CA bundle peers must chain to.</summary>
    public static readonly ServeFlag PeerTrustedCaFile = Flag("--peer-trusted-ca-file", "PEER_TRUSTED_CA_FILE", null, "PEM CA bundle peers must chain to: both ends of every Raft connection and node-to-node request authenticate each other", shownDefault: "none");

    /// <summary>The audit log file.</summary>
    public static readonly ServeFlag AuditLog = Flag("--audit-log", "AUDIT_LOG", null, "append audit records (every write, auth change and membership change: user, source, route, status, revision) to this file as JSON lines", shownDefault: "the ordinary log");

    /// <summary>Where metrics are pushed over OTLP, besides being served at /metrics.</summary>
    public static readonly ServeFlag OtlpEndpoint = Flag("--otlp-endpoint", "OTLP_ENDPOINT", null, "also push metrics to this OpenTelemetry collector over OTLP/HTTP (protobuf), e.g. http://collector:4318; the interval follows OTEL_METRIC_EXPORT_INTERVAL (ms, 60000 unless set)", shownDefault: "none: /metrics only");

    /// <summary>Gets every flag, in the order help lists them.</summary>
    public static IReadOnlyList<ServeFlag> All { get; } =
    [
        HttpPort, DataDir, RaftAddress, RaftPort, Join, HttpAddress, NodeId, AdvertiseRaft, AdvertiseHttp,
        CertFile, KeyFile, TrustedCaFile, ClientCertAuth, PeerCertFile, PeerKeyFile, PeerTrustedCaFile, AuditLog, OtlpEndpoint,
        BackupDir, BackupInterval, BackupKeep,
        SnapshotInterval, SnapshotLogSize, MaxValueSize, QuotaBytes, DiskReserveBytes, ElectionTimeout, RaftRequestTimeout, GroupCommitWait, WatchHistory, WatchHistorySize, WarnFsync, WarnPeerRtt, LogLevel,
    ];

    private static ServeFlag Flag(string name, string variable, string? defaultValue, string meaning, string? shownDefault = null)
        => new(
            new Option<string>(name)
            {
                Description = $"{meaning} [env: {variable}] [default: {shownDefault ?? defaultValue}]",
                HelpName = "value",

                // Given twice, the last one wins, as before System.CommandLine: scripts add overrides to a base command line.
                Arity = ArgumentArity.OneOrMore,
                CustomParser = static result => result.Tokens[^1].Value,
            },
            variable,
            defaultValue);

    private static string Count(long count) => count.ToString(CultureInfo.InvariantCulture);

    // As ServeSettings reads sizes: whole MiB or KiB when the size is one, else bytes.
    private static string Size(long bytes) => bytes switch
    {
        _ when bytes % (1024 * 1024) == 0 => Count(bytes / (1024 * 1024)) + "MiB",
        _ when bytes % 1024 == 0 => Count(bytes / 1024) + "KiB",
        _ => Count(bytes),
    };
}
