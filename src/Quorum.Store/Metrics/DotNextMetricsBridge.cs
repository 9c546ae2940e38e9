using System.Diagnostics.Metrics;

namespace Quorum.Store.Metrics;

/// <summary>
/// Carries the measurements DotNext.Net.Cluster publishes on its own meters into the store's
/// instruments, under the contract's names and in seconds: the log's flushes, the leader's
/// AppendEntries round trips (labelled with the peer's member ID), and election starts.
/// </summary>
/// <remarks>
/// DotNext's meters are static, one per process, so in a process holding several stores (tests)
/// each store sees every store's DotNext measurements. A node runs one store per process.
/// </remarks>
internal sealed class DotNextMetricsBridge : IDisposable
{
    private const string LogMeter = "DotNext.IO.WriteAheadLog";
    private const string ClientMeter = "DotNext.Net.Cluster.Consensus.Raft.Client";
    private const string ServerMeter = "DotNext.Net.Cluster.Consensus.Raft.Server";
    private const string AddressTag = "dotnext.raft.client.address";
    private const string MessageTag = "dotnext.raft.client.message";

    private readonly MeterListener listener = new();
    private readonly StoreMetrics metrics;
    private readonly Func<string, string?> memberIdOf;

    // Address -> member ID, so that a round trip (several per replication round) does not read the
    // state: reading it makes the state machine publish a new version after every apply. A member's
    // Raft address never changes (Raft knows members by address), so a found ID stays right.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> memberIds = new(StringComparer.Ordinal);

    /// <summary>Starts listening.</summary>
    /// <param name="metrics">Where the measurements go.</param>
    /// <param name="memberIdOf">Finds a member's ID by its Raft address (<c>host:port</c>), or <see langword="null"/>.</param>
    public DotNextMetricsBridge(StoreMetrics metrics, Func<string, string?> memberIdOf)
    {
        this.metrics = metrics;
        this.memberIdOf = memberIdOf;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (Route(instrument) is { } route)
                l.EnableMeasurementEvents(instrument, route);
        };
        listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>)state!)(value, tags));
        listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>)state!)(value, tags));
        listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>)state!)(value, tags));
        listener.Start();
    }

    /// <inheritdoc/>
    public void Dispose() => listener.Dispose();

    private static string? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
                return tag.Value as string;
        }

        return null;
    }

    private Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>? Route(Instrument instrument) => (instrument.Meter.Name, instrument.Name) switch
    {
        (LogMeter, "entries-flush-duration") => (ms, _) => metrics.WalFsyncDuration.Record(ms / 1000),
        (ClientMeter, "response-time") => RecordRoundTrip,
        (ServerMeter, "transitions-to-candidate-count") => (count, _) => metrics.ElectionsStarted.Add((long)count),
        _ => null,
    };

    private void RecordRoundTrip(double ms, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Find(tags, MessageTag) != "AppendEntries" || Find(tags, AddressTag) is not { } address)
            return;

        // A DnsEndPoint prints as "Unspecified/host:port".
        address = address[(address.LastIndexOf('/') + 1)..];
        if (!memberIds.TryGetValue(address, out var peer))
        {
            peer = memberIdOf(address) ?? address;
            if (peer != address)
                memberIds.TryAdd(address, peer);
        }

        metrics.PeerRoundTripTime.Record(ms / 1000, new KeyValuePair<string, object?>("peer", peer));
    }
}
