using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;

namespace Quorum.Store.Raft;

/// <summary>
/// What the leader knows of each follower's replication, read from what DotNext.Net.Cluster lets
/// an application see: it keeps the leader's per-member state (Raft's nextIndex) and the outcome
/// of each request internal.
/// </summary>
/// <remarks>
/// <para>
/// Last contact: DotNext records the duration of every request it sends a member in its metrics
/// (meter <c>DotNext.Net.Cluster.Consensus.Raft.Client</c>, histogram <c>response-time</c>, tagged
/// with the member's address and the message), successful or not, and marks the member unavailable
/// before recording a failed one. So a replication request (AppendEntries, heartbeats included, or
/// InstallSnapshot) recorded while its member is available was answered: that moment is the last
/// successful contact. The meter is process-wide; a process running several nodes (tests) would see
/// one another's contacts with a shared peer.
/// </para>
/// <para>
/// Match index: DotNext 6.12 keeps the leader's <c>ReplicationState.NextIndex</c> for each member in a
/// private field of <see cref="RaftClusterMember"/> behind a protected interface member. It is read
/// here by reflection and reported as <c>NextIndex - 1</c>, the highest index the follower is known to
/// hold once it has answered. Two limits: right after an election DotNext starts every member
/// optimistically at the leader's last index, until a reply corrects it downwards; and should a
/// later DotNext version change that layout, the field is not found and the match index is left
/// out (<see langword="null"/>), never guessed.
/// </para>
/// </remarks>
internal sealed class ReplicationObserver : IDisposable
{
    private const string ClientMeter = "DotNext.Net.Cluster.Consensus.Raft.Client";
    private const string ResponseTime = "response-time";
    private const string AddressTag = "dotnext.raft.client.address";
    private const string MessageTag = "dotnext.raft.client.message";

    private static readonly FieldInfo? StateField = typeof(RaftClusterMember)
        .GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
        .FirstOrDefault(static f => f.FieldType.Name == "ReplicationState" && f.FieldType.DeclaringType == typeof(IRaftClusterMember));

    private static readonly FieldInfo? NextIndexField = StateField?.FieldType.GetField("NextIndex", BindingFlags.Instance | BindingFlags.Public);

    private readonly ConcurrentDictionary<string, DateTimeOffset> lastContact = new(StringComparer.Ordinal);
    private readonly Func<RaftNode> node;
    private readonly TimeProvider time;
    private readonly MeterListener listener = new();

    /// <summary>Initializes a new instance of the <see cref="ReplicationObserver"/> class and starts listening.</summary>
    /// <param name="node">The running Raft node (read on each use: the host may replace it).</param>
    /// <param name="time">The clock.</param>
    public ReplicationObserver(Func<RaftNode> node, TimeProvider time)
    {
        this.node = node;
        this.time = time;
        listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == ClientMeter && instrument.Name == ResponseTime)
                listener.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>(OnResponse);
        listener.Start();
    }

    /// <summary>Gets each other voting member's replication as this node, if it leads, sees it.</summary>
    /// <param name="describe">Names a member by its address.</param>
    /// <returns>One entry per follower, ordered by ID; empty when this node does not lead.</returns>
    public IReadOnlyList<FollowerReplication> Observe(Func<string, string> describe)
    {
        var current = node();
        if (current.LeadershipToken.IsCancellationRequested)
            return [];

        var now = time.GetUtcNow();
        return current.Cluster.Members
            .Where(static m => m.IsRemote)
            .Select(m =>
            {
                var address = m.EndPoint.ToString() ?? string.Empty;
                DateTimeOffset? contact = lastContact.TryGetValue(address, out var at) ? at : null;
                return new FollowerReplication(
                    describe(NetworkAddress.Format(m.EndPoint)),
                    MatchIndex(m),
                    contact,
                    contact is { } seen ? (long)Math.Max(0, (now - seen).TotalMilliseconds) : null);
            })
            .OrderBy(static f => f.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Gets the followers that answered a replication request lately, as this node, if it leads, sees them.</summary>
    /// <param name="within">How recent the last answer must be.</param>
    /// <returns>Their Raft addresses, formatted as <c>host:port</c>; empty when this node does not lead.</returns>
    public IReadOnlySet<string> Reachable(TimeSpan within)
    {
        var current = node();
        if (current.LeadershipToken.IsCancellationRequested)
            return new HashSet<string>();

        var now = time.GetUtcNow();
        return current.Cluster.Members
            .Where(m => m.IsRemote && lastContact.TryGetValue(m.EndPoint.ToString() ?? string.Empty, out var at) && now - at <= within)
            .Select(static m => NetworkAddress.Format(m.EndPoint))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public void Dispose() => listener.Dispose();

    private static long? MatchIndex(RaftClusterMember member)
    {
        if (StateField?.GetValue(member) is not { } state || NextIndexField?.GetValue(state) is not long next)
            return null;
        return Math.Max(0, next - 1);
    }

    private void OnResponse(Instrument instrument, double elapsed, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? address = null;
        string? message = null;
        foreach (var tag in tags)
        {
            if (tag.Key == AddressTag)
                address = tag.Value as string;
            else if (tag.Key == MessageTag)
                message = tag.Value as string;
        }

        if (address is null || message is not ("AppendEntries" or "InstallSnapshot"))
            return;

        // A failed request marks its member unavailable before its duration is recorded.
        var member = node().Cluster.Members.FirstOrDefault(m => m.EndPoint.ToString() == address);
        if (member is { Status: ClusterMemberStatus.Available })
            lastContact[address] = time.GetUtcNow();
    }
}
