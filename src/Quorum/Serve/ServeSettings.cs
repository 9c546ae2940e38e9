using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Quorum.Contracts;
using Quorum.Server.Backup;
using Quorum.Server.Tls;
using Quorum.Store;

namespace Quorum.Serve;

/// <summary>
/// The settings of <c>quorum serve</c>, checked and turned into the store's and the server's
/// options. The flags, their variables and defaults are <see cref="ServeFlags"/>.
/// </summary>
internal sealed class ServeSettings
{
    /// <summary>The test-only environment variable that plants a stale-read bug (linearizable reads skip the read barrier).</summary>
    public const string PlantedBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_BARRIER";

    /// <summary>The test-only environment variable that plants a finer stale-read bug (the leader answers read indexes without its quorum round).</summary>
    public const string PlantedQuorumRoundBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_INDEX_QUORUM_ROUND";

    private const long MaxValueSize = 64L * 1024 * 1024;
    private const long MaxSnapshotLogSize = 64L * 1024 * 1024 * 1024;

    private ServeSettings()
    {
    }

    /// <summary>Gets the store's options.</summary>
    public required StoreOptions Store { get; init; }

    /// <summary>Gets the address and port the HTTP API binds.</summary>
    public required IPEndPoint HttpEndPoint { get; init; }

    /// <summary>Gets the base URLs of members to join through.</summary>
    public required IReadOnlyList<string> JoinUrls { get; init; }

    /// <summary>Gets the lowest level logged.</summary>
    public required LogLevel LogLevel { get; init; }

    /// <summary>Gets the file audit records go to, or <see langword="null"/> for the ordinary log.</summary>
    public string? AuditLogPath { get; init; }

    /// <summary>Gets the OpenTelemetry collector metrics are pushed to, or <see langword="null"/>.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Gets the scheduled backups, or <see langword="null"/> when <c>--backup-dir</c> is not set.</summary>
    public BackupSchedule? Backups { get; init; }

    /// <summary>Gets the node's TLS files; none set means plain HTTP and a plain Raft transport.</summary>
    public required TlsOptions Tls { get; init; }

    /// <summary>Reads the settings from the parsed command line, and from the environment for flags not given.</summary>
    /// <param name="result">The parsed command line of <c>serve</c>.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ConfigurationException">A value that cannot work.</exception>
    public static ServeSettings Read(ParseResult result, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(result);

        // A flag wins over its variable; messages name whichever of the two gave the value.
        (string? Value, string Source) Given(ServeFlag flag)
            => result.GetResult(flag.Option) is { Implicit: false } ? (result.GetValue(flag.Option), flag.Name)
                : environment(flag.Variable) is { Length: > 0 } value ? (value, flag.Variable)
                : (null, flag.Name);

        string? Get(ServeFlag flag) => Given(flag).Value;
        string Source(ServeFlag flag) => Given(flag).Source;
        string GetOrDefault(ServeFlag flag) => Get(flag) ?? flag.Default!;

        var httpPort = ParsePort(GetOrDefault(ServeFlags.HttpPort), Source(ServeFlags.HttpPort));
        var raftPort = ParsePort(GetOrDefault(ServeFlags.RaftPort), Source(ServeFlags.RaftPort));
        var httpAddress = ParseAddress(GetOrDefault(ServeFlags.HttpAddress), Source(ServeFlags.HttpAddress));
        var raftAddress = ParseAddress(GetOrDefault(ServeFlags.RaftAddress), Source(ServeFlags.RaftAddress));
        var raftEndPoint = new IPEndPoint(raftAddress, raftPort);
        var httpEndPoint = new IPEndPoint(httpAddress, httpPort);

        var advertiseRaft = Get(ServeFlags.AdvertiseRaft);
        if (advertiseRaft is null && (raftAddress.Equals(IPAddress.Any) || raftAddress.Equals(IPAddress.IPv6Any)))
            throw new ConfigurationException($"{Source(ServeFlags.RaftAddress)} binds every interface; set --advertise-raft (ADVERTISE_RAFT) to the address other nodes should dial.");

        var tls = ReadTls(Get, Source);
        var scheme = tls.IsHttps ? "https" : "http";
        var advertiseHttp = Get(ServeFlags.AdvertiseHttp);
        if (advertiseHttp is null && (httpAddress.Equals(IPAddress.Any) || httpAddress.Equals(IPAddress.IPv6Any)))
            throw new ConfigurationException($"{Source(ServeFlags.HttpAddress)} binds every interface; set --advertise-http (ADVERTISE_HTTP) to the URL other nodes and clients should use.");

        var nodeId = Get(ServeFlags.NodeId);
        if (nodeId is not null && !StoreOptions.IsValidNodeId(nodeId))
            throw new ConfigurationException($"{Source(ServeFlags.NodeId)} '{nodeId}' is not a valid node ID: use 1 to 64 letters, digits, '-', '_' or '.'.");

        // Known before anything logs, so every line carries it: given, kept in the data directory, or new.
        var dataDirectory = GetOrDefault(ServeFlags.DataDir);
        nodeId ??= QuorumStore.FindNodeId(dataDirectory) ?? QuorumStore.NewNodeId();

        try
        {
            var store = new StoreOptions
            {
                DataDirectory = dataDirectory,
                NodeId = nodeId,
                RaftEndPoint = raftEndPoint,
                AdvertisedRaftAddress = advertiseRaft ?? FormatEndPoint(raftEndPoint),
                HttpAddress = advertiseHttp ?? $"{scheme}://{FormatEndPoint(httpEndPoint)}",
                JoinExistingCluster = Get(ServeFlags.Join) is not null,
                SnapshotInterval = ParseCount(GetOrDefault(ServeFlags.SnapshotInterval), Source(ServeFlags.SnapshotInterval)),
                SnapshotLogBytes = ParseSize(GetOrDefault(ServeFlags.SnapshotLogSize), Source(ServeFlags.SnapshotLogSize), MaxSnapshotLogSize),
                MaxValueBytes = (int)ParseSize(GetOrDefault(ServeFlags.MaxValueSize), Source(ServeFlags.MaxValueSize), MaxValueSize),
                QuotaBytes = ParseSize(GetOrDefault(ServeFlags.QuotaBytes), Source(ServeFlags.QuotaBytes), MaxSnapshotLogSize, allowZero: true),
                DiskReserveBytes = ParseSize(GetOrDefault(ServeFlags.DiskReserveBytes), Source(ServeFlags.DiskReserveBytes), MaxSnapshotLogSize, allowZero: true),
                ElectionTimeout = ParseDuration(GetOrDefault(ServeFlags.ElectionTimeout), Source(ServeFlags.ElectionTimeout)),
                RaftRequestTimeout = Get(ServeFlags.RaftRequestTimeout) is { } requestTimeout ? ParseDuration(requestTimeout, Source(ServeFlags.RaftRequestTimeout)) : null,
                GroupCommitWait = ParseWait(GetOrDefault(ServeFlags.GroupCommitWait), Source(ServeFlags.GroupCommitWait)),
                SlowFsyncWarning = ParseDuration(GetOrDefault(ServeFlags.WarnFsync), Source(ServeFlags.WarnFsync)),
                SlowPeerWarning = ParseDuration(GetOrDefault(ServeFlags.WarnPeerRtt), Source(ServeFlags.WarnPeerRtt)),
                WatchHistoryChanges = ParseCount(GetOrDefault(ServeFlags.WatchHistory), Source(ServeFlags.WatchHistory), allowZero: true),
                WatchHistoryBytes = ParseSize(GetOrDefault(ServeFlags.WatchHistorySize), Source(ServeFlags.WatchHistorySize), MaxSnapshotLogSize),
                SkipReadBarrier = environment(PlantedBugVariable) == "1",
                SkipReadIndexQuorumRound = environment(PlantedQuorumRoundBugVariable) == "1",
            };

            return new ServeSettings
            {
                Store = store,
                HttpEndPoint = httpEndPoint,
                JoinUrls = ParseJoinUrls(Get(ServeFlags.Join), Source(ServeFlags.Join), scheme),
                LogLevel = ParseLogLevel(GetOrDefault(ServeFlags.LogLevel), Source(ServeFlags.LogLevel)),
                Tls = tls,
                AuditLogPath = Get(ServeFlags.AuditLog),
                OtlpEndpoint = ParseOtlpEndpoint(Get(ServeFlags.OtlpEndpoint), Source(ServeFlags.OtlpEndpoint)),
                Backups = Get(ServeFlags.BackupDir) is { } backupDir
                    ? new BackupSchedule(
                        backupDir,
                        ParseDuration(GetOrDefault(ServeFlags.BackupInterval), Source(ServeFlags.BackupInterval)),
                        (int)Math.Min(ParseCount(GetOrDefault(ServeFlags.BackupKeep), Source(ServeFlags.BackupKeep)), int.MaxValue))
                    : null,
            };
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static string FormatEndPoint(IPEndPoint endPoint) => endPoint.ToString();

    private static Uri? ParseOtlpEndpoint(string? text, string source)
        => text is null ? null
            : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ConfigurationException($"{source} '{text}' is not an http:// or https:// URL.");

    private static int ParsePort(string text, string source)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new ConfigurationException($"{source} '{text}' is not a port number (1-65535).");

    private static IPAddress ParseAddress(string text, string source)
    {
        if (text == "localhost")
            return IPAddress.Loopback;

        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new ConfigurationException($"{source} '{text}' is not an IP address (use 0.0.0.0 to bind every interface).");
    }

    private static long ParseCount(string text, string source, bool allowZero = false)
        => long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= (allowZero ? 0 : 1)
            ? count
            : throw new ConfigurationException($"{source} '{text}' is not a {(allowZero ? "whole number" : "positive whole number")}.");

    private static long ParseSize(string text, string source, long max, bool allowZero = false)
    {
        if (allowZero && text == "0")
            return 0;

        var (digits, multiplier) = text switch
        {
            _ when text.EndsWith("GiB", StringComparison.OrdinalIgnoreCase) => (text[..^3], 1024L * 1024 * 1024),
            _ when text.EndsWith("KiB", StringComparison.OrdinalIgnoreCase) => (text[..^3], 1024L),
            _ when text.EndsWith("MiB", StringComparison.OrdinalIgnoreCase) => (text[..^3], 1024L * 1024),
            _ when text.EndsWith("KB", StringComparison.OrdinalIgnoreCase) => (text[..^2], 1000L),
            _ when text.EndsWith("MB", StringComparison.OrdinalIgnoreCase) => (text[..^2], 1000L * 1000),
            _ => (text, 1L),
        };

        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= max / multiplier
            ? number * multiplier
            : throw new ConfigurationException($"{source} '{text}' is not a size between {(allowZero ? "0" : "1 byte")} and {max / (1024 * 1024)}MiB (e.g. 1048576, 512KiB, 1MiB).");
    }

    private static TimeSpan ParseDuration(string text, string source)
        => DurationText.TryParse(text, out var duration)
            ? duration
            : throw new ConfigurationException($"{source} '{text}' is not a duration (e.g. 300ms, 2s, 1m).");

    private static TimeSpan ParseWait(string text, string source)
        => text is "0" or "0ms" ? TimeSpan.Zero
            : DurationText.TryParse(text, out var wait) && wait <= TimeSpan.FromSeconds(1) ? wait
            : throw new ConfigurationException($"{source} '{text}' is not a duration between 0 and 1s (e.g. 0, 1ms, 5ms).");

    private static LogLevel ParseLogLevel(string text, string source) => text.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ConfigurationException($"{source} '{text}' is not a log level (debug, info, warning, error)."),
    };

    private static TlsOptions ReadTls(Func<ServeFlag, string?> get, Func<ServeFlag, string> source)
    {
        var clientCertAuth = get(ServeFlags.ClientCertAuth) switch
        {
            null => false,
            var text when bool.TryParse(text, out var value) => value,
            var text => throw new ConfigurationException($"{source(ServeFlags.ClientCertAuth)} '{text}' is not true or false."),
        };
        var tls = new TlsOptions
        {
            CertFile = get(ServeFlags.CertFile),
            KeyFile = get(ServeFlags.KeyFile),
            TrustedCaFile = get(ServeFlags.TrustedCaFile),
            ClientCertAuth = clientCertAuth,
            PeerCertFile = get(ServeFlags.PeerCertFile),
            PeerKeyFile = get(ServeFlags.PeerKeyFile),
            PeerTrustedCaFile = get(ServeFlags.PeerTrustedCaFile),
        };

        if ((tls.CertFile is null) != (tls.KeyFile is null))
            throw new ConfigurationException("--cert-file and --key-file (CERT_FILE, KEY_FILE) go together: give both for HTTPS, or neither.");
        if (tls.ClientCertAuth && tls.TrustedCaFile is null)
            throw new ConfigurationException($"{source(ServeFlags.ClientCertAuth)} needs --trusted-ca-file (TRUSTED_CA_FILE): the CA client certificates must chain to.");
        if (tls.TrustedCaFile is not null && !tls.IsHttps)
            throw new ConfigurationException($"{source(ServeFlags.TrustedCaFile)} needs --cert-file and --key-file: client certificates are checked only over HTTPS.");

        var peerFlags = new[] { tls.PeerCertFile, tls.PeerKeyFile, tls.PeerTrustedCaFile }.Count(static f => f is not null);
        if (peerFlags is not (0 or 3))
            throw new ConfigurationException("Peer TLS needs all three of --peer-cert-file, --peer-key-file and --peer-trusted-ca-file (PEER_CERT_FILE, PEER_KEY_FILE, PEER_TRUSTED_CA_FILE), or none.");

        // Nodes reach each other's HTTP API on the one API port, so proving a peer there takes TLS.
        if (peerFlags == 3 && !tls.IsHttps)
            throw new ConfigurationException("Peer TLS needs --cert-file and --key-file as well: node-to-node requests go to the HTTPS API port (the API may use the peer certificate files).");

        return tls;
    }

    private static string[] ParseJoinUrls(string? text, string source, string scheme)
    {
        if (text is null)
            return [];

        var urls = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var candidate = part.Contains("://", StringComparison.Ordinal) ? part : $"{scheme}://{part}";
            if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new ConfigurationException($"{source}: '{part}' is not an HTTP URL of a running member (e.g. http://127.0.0.1:8080).");

            urls.Add(candidate.TrimEnd('/'));
        }

        return urls.Count > 0
            ? [.. urls]
            : throw new ConfigurationException($"{source} is empty: give the HTTP URL of at least one running member.");
    }
}
