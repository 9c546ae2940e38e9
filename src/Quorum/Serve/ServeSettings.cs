using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Serve;

/// <summary>
/// The settings of <c>quorum serve</c>, read from flags and environment variables (a flag wins over
/// its variable), exactly as the node configuration contract lists them, plus a few tuning knobs.
/// </summary>
internal sealed class ServeSettings
{
    /// <summary>The test-only environment variable that plants a stale-read bug (linearizable reads skip the read barrier).</summary>
    public const string PlantedBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_BARRIER";

    /// <summary>The test-only environment variable that plants a finer stale-read bug (the leader answers read indexes without its quorum round).</summary>
    public const string PlantedQuorumRoundBugVariable = "QUORUM_TEST_ONLY_SKIP_READ_INDEX_QUORUM_ROUND";

    private const long MaxValueSize = 64L * 1024 * 1024;
    private const long MaxSnapshotLogSize = 64L * 1024 * 1024 * 1024;

    /// <summary>Every setting: its flag, its environment variable, its default as shown in help, and what it means.</summary>
    public static readonly IReadOnlyList<(string Flag, string Variable, string Default, string Meaning)> Table =
    [
        ("--http-port", "PORT", "8080", "HTTP API port"),
        ("--data-dir", "STORAGE_PATH", "./data", "WAL, snapshots, node identity, cluster configuration"),
        ("--raft-address", "RAFT_ADDRESS", "127.0.0.1", "address the Raft transport binds"),
        ("--raft-port", "RAFT_PORT", "8081", "Raft transport port"),
        ("--join", "RAFT_LEADER", "none", "HTTP URL(s) of any running member, comma-separated: join that cluster"),
        ("--http-address", "HTTP_ADDRESS", "127.0.0.1", "address the HTTP API binds"),
        ("--node-id", "NODE_ID", "generated once, then kept", "this node's ID"),
        ("--advertise-raft", "ADVERTISE_RAFT", "raft address:port", "Raft address other nodes dial, if not the bound one"),
        ("--advertise-http", "ADVERTISE_HTTP", "http://http address:port", "HTTP URL other nodes and clients use for this node"),
        ("--snapshot-interval", "SNAPSHOT_INTERVAL", "50000", "log entries applied between two snapshots"),
        ("--snapshot-log-size", "SNAPSHOT_LOG_SIZE", "64MiB", "or this many bytes of log entries (at least as many as the last snapshot had), whichever comes first"),
        ("--max-value-size", "MAX_VALUE_SIZE", "1MiB", "largest value accepted (bytes, or with KiB/MiB suffix)"),
        ("--election-timeout", "ELECTION_TIMEOUT", "300ms", "shortest election timeout; the longest is twice it"),
        ("--group-commit-wait", "GROUP_COMMIT_WAIT", "2ms", "under load, how long the next batch of writes may wait for more (0 turns it off)"),
        ("--watch-history", "WATCH_HISTORY", "10000", "recent changes kept for watchers that start from a past revision or reconnect"),
        ("--watch-history-size", "WATCH_HISTORY_SIZE", "64MiB", "most bytes of keys and values the watch history keeps"),
        ("--log-level", "LOG_LEVEL", "info", "debug, info, warning or error"),
    ];

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

    /// <summary>Reads the settings.</summary>
    /// <param name="args">The arguments after <c>serve</c>.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="UsageException">An unknown flag, or a flag without a value.</exception>
    /// <exception cref="ConfigurationException">A value that cannot work.</exception>
    public static ServeSettings Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        foreach (var (flag, variable, _, _) in Table)
        {
            if (environment(variable) is { Length: > 0 } value)
                values[flag] = (value, variable);
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            if (!Table.Any(row => row.Flag == flag))
                throw new UsageException($"unknown option '{arg}'");

            string value;
            if (equals > 0)
                value = arg[(equals + 1)..];
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                value = args[++i];
            else
                throw new UsageException($"option {flag} needs a value");

            values[flag] = (value, flag);
        }

        string? Get(string flag) => values.TryGetValue(flag, out var entry) ? entry.Value : null;
        string Source(string flag) => values.TryGetValue(flag, out var entry) ? entry.Source : flag;

        var httpPort = ParsePort(Get("--http-port") ?? "8080", Source("--http-port"));
        var raftPort = ParsePort(Get("--raft-port") ?? "8081", Source("--raft-port"));
        var httpAddress = ParseAddress(Get("--http-address") ?? "127.0.0.1", Source("--http-address"));
        var raftAddress = ParseAddress(Get("--raft-address") ?? "127.0.0.1", Source("--raft-address"));
        var raftEndPoint = new IPEndPoint(raftAddress, raftPort);
        var httpEndPoint = new IPEndPoint(httpAddress, httpPort);

        var advertiseRaft = Get("--advertise-raft");
        if (advertiseRaft is null && (raftAddress.Equals(IPAddress.Any) || raftAddress.Equals(IPAddress.IPv6Any)))
            throw new ConfigurationException($"{Source("--raft-address")} binds every interface; set --advertise-raft (ADVERTISE_RAFT) to the address other nodes should dial.");

        var advertiseHttp = Get("--advertise-http");
        if (advertiseHttp is null && (httpAddress.Equals(IPAddress.Any) || httpAddress.Equals(IPAddress.IPv6Any)))
            throw new ConfigurationException($"{Source("--http-address")} binds every interface; set --advertise-http (ADVERTISE_HTTP) to the URL other nodes and clients should use.");

        var nodeId = Get("--node-id");
        if (nodeId is not null && !StoreOptions.IsValidNodeId(nodeId))
            throw new ConfigurationException($"{Source("--node-id")} '{nodeId}' is not a valid node ID: use 1 to 64 letters, digits, '-', '_' or '.'.");

        // Known before anything logs, so every line carries it: given, kept in the data directory, or new.
        var dataDirectory = Get("--data-dir") ?? "data";
        nodeId ??= QuorumStore.FindNodeId(dataDirectory) ?? QuorumStore.NewNodeId();

        try
        {
            var store = new StoreOptions
            {
                DataDirectory = dataDirectory,
                NodeId = nodeId,
                RaftEndPoint = raftEndPoint,
                AdvertisedRaftAddress = advertiseRaft ?? FormatEndPoint(raftEndPoint),
                HttpAddress = advertiseHttp ?? $"http://{FormatEndPoint(httpEndPoint)}",
                JoinExistingCluster = Get("--join") is not null,
                SnapshotInterval = ParseCount(Get("--snapshot-interval") ?? "50000", Source("--snapshot-interval")),
                SnapshotLogBytes = ParseSize(Get("--snapshot-log-size") ?? "64MiB", Source("--snapshot-log-size"), MaxSnapshotLogSize),
                MaxValueBytes = (int)ParseSize(Get("--max-value-size") ?? "1MiB", Source("--max-value-size"), MaxValueSize),
                ElectionTimeout = ParseDuration(Get("--election-timeout") ?? "300ms", Source("--election-timeout")),
                GroupCommitWait = ParseWait(Get("--group-commit-wait") ?? "2ms", Source("--group-commit-wait")),
                WatchHistoryChanges = ParseCount(Get("--watch-history") ?? "10000", Source("--watch-history"), allowZero: true),
                WatchHistoryBytes = ParseSize(Get("--watch-history-size") ?? "64MiB", Source("--watch-history-size"), MaxSnapshotLogSize),
                SkipReadBarrier = environment(PlantedBugVariable) == "1",
                SkipReadIndexQuorumRound = environment(PlantedQuorumRoundBugVariable) == "1",
            };

            return new ServeSettings
            {
                Store = store,
                HttpEndPoint = httpEndPoint,
                JoinUrls = ParseJoinUrls(Get("--join"), Source("--join")),
                LogLevel = ParseLogLevel(Get("--log-level") ?? "info", Source("--log-level")),
            };
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static string FormatEndPoint(IPEndPoint endPoint) => endPoint.ToString();

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

    private static long ParseSize(string text, string source, long max)
    {
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
            : throw new ConfigurationException($"{source} '{text}' is not a size between 1 byte and {max / (1024 * 1024)}MiB (e.g. 1048576, 512KiB, 1MiB).");
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

    private static string[] ParseJoinUrls(string? text, string source)
    {
        if (text is null)
            return [];

        var urls = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var candidate = part.Contains("://", StringComparison.Ordinal) ? part : "http://" + part;
            if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new ConfigurationException($"{source}: '{part}' is not an HTTP URL of a running member (e.g. http://127.0.0.1:8080).");

            urls.Add(candidate.TrimEnd('/'));
        }

        return urls.Count > 0
            ? [.. urls]
            : throw new ConfigurationException($"{source} is empty: give the HTTP URL of at least one running member.");
    }
}
