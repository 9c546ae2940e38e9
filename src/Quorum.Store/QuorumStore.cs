using System.Net;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.Store.Commands;
using Quorum.Store.Leases;
using Quorum.Store.Raft;
using Quorum.Store.Replication;
using Quorum.Store.State;
using Quorum.Store.StateMachine;
using Quorum.Store.Storage;
using Quorum.Store.Watching;
using DotNextNotLeaderException = DotNext.Net.Cluster.Consensus.Raft.NotLeaderException;

namespace Quorum.Store;

/// <summary>
/// A Quorum node's store: a key-value map replicated by Raft. Open one with <see cref="OpenAsync"/>;
/// then read, write and change membership through it. Writes and membership changes must be made on
/// the leader; reads can be made anywhere.
/// </summary>
public sealed partial class QuorumStore : IAsyncDisposable
{
    /// <summary>The longest key accepted, in bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>The most keys a listing page holds.</summary>
    public const int MaxListLimit = 10_000;

    /// <summary>The most compares, and the most operations in each branch, of a transaction.</summary>
    public const int MaxTxnOperations = 128;

    /// <summary>The longest time to live a key can have.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(3650);

    // A page stops early, with more to come, once its values pass this many bytes.
    private const long ListPageBytes = 16L * 1024 * 1024;

    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LogTrimPeriod = TimeSpan.FromSeconds(2);

    private readonly StoreOptions options;
    private readonly DataDirectory directory;
    private readonly RaftNodeHost raft;
    private readonly ILeaderClient? leaderClient;
    private readonly ILogger logger;
    private readonly Proposer proposer;
    private readonly ReadIndexBatcher readIndexes;
    private readonly MappedLogTrimmer? logTrimmer;
    private readonly ApplyListeners listeners;
    private readonly LeaseExpirer leaseExpirer;
    private readonly TimeProvider time = TimeProvider.System;

    private QuorumStore(StoreOptions options, DataDirectory directory, RaftNodeHost raft, ApplyListeners listeners, MemberInfo self, bool needsJoin, ILeaderClient? leaderClient, ILogger logger)
    {
        this.listeners = listeners;
        this.options = options;
        this.directory = directory;
        this.raft = raft;
        proposer = new Proposer(raft, options);
        readIndexes = new ReadIndexBatcher(AskLeaderForReadIndexAsync);
        this.leaderClient = leaderClient;
        this.logger = logger;
        logTrimmer = MappedLogTrimmer.Start(directory.LogPath, LogTrimPeriod, logger);
        leaseExpirer = new LeaseExpirer(listeners.Leases, IsCurrentLease, () => IsLeader, ProposeAsync, time, logger);
        Self = self;
        NeedsJoin = needsJoin;
    }

    /// <summary>Gets this node's ID and addresses.</summary>
    public MemberInfo Self { get; }

    /// <summary>Gets a value indicating that this node started with an empty data directory and must be added to an existing cluster.</summary>
    public bool NeedsJoin { get; }

    /// <summary>Gets the store's options.</summary>
    public StoreOptions Options => options;

    /// <summary>Gets a value indicating that this node is the leader.</summary>
    public bool IsLeader => !Node.LeadershipToken.IsCancellationRequested;

    /// <summary>Gets the leader this node knows of, or <see langword="null"/>.</summary>
    public MemberInfo? Leader => Node.Cluster.Leader is { } leader ? Describe(leader.EndPoint) : null;

    /// <summary>Gets a value indicating that this node is a voting member of its cluster.</summary>
    public bool IsMember => Node.Cluster.Members.Any(static m => !m.IsRemote);

    /// <summary>Gets a value indicating that a leader is known and this node has applied everything it knows to be committed.</summary>
    public bool IsReady => Node is var node && node.Cluster.Leader is not null && node.Log.LastAppliedIndex >= node.Log.LastCommittedEntryIndex;

    /// <summary>Gets the host of the Raft node, for tests that break it on purpose.</summary>
    internal RaftNodeHost Raft => raft;

    /// <summary>Gets a task that fails if Raft broke and could not be restarted; the node must then stop.</summary>
    public Task Failed => raft.Failed;

    // The running Raft node; the host may replace it after an internal failure, so each operation reads it once.
    private RaftNode Node => raft.Current;

    private StoreState State => Node.StateMachine.State;

    // Whether the key still has the lease it was granted: not deleted or written again since.
    private bool IsCurrentLease(LeaseGrant grant)
    {
        using var read = Node.StateMachine.EnterRead();
        return State.Keys.TryGetValue(grant.Key, out var record, out _) && record.HasLease && record.Revision == grant.Revision;
    }

    // The log does not hand empty entries (leader no-ops) to the state machine, so the state's own
    // index can trail the log's applied index; either one is applied.
    private long AppliedIndex => Math.Max(State.Index, Node.Log.LastAppliedIndex);

    /// <summary>
    /// Opens a store: locks the data directory, restores the newest snapshot, replays the log and
    /// starts Raft. With an empty data directory the node bootstraps a one-member cluster, unless
    /// <see cref="StoreOptions.JoinExistingCluster"/> says it will be added to one.
    /// </summary>
    /// <param name="options">Where the data lives and how the node is reached.</param>
    /// <param name="leaderClient">How this node asks the leader for a read index when it is a follower; without it, linearizable reads work only on the leader.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <param name="token">Cancels start-up.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="DataDirectoryException">The data directory is in use, belongs to another node, or is damaged.</exception>
    public static async Task<QuorumStore> OpenAsync(StoreOptions options, ILeaderClient? leaderClient = null, ILoggerFactory? loggerFactory = null, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<QuorumStore>();

        var directory = DataDirectory.Open(options.DataDirectory);
        try
        {
            var identity = ResolveIdentity(options, directory);
            directory.VerifyLogFiles();
            var hasCluster = directory.HasClusterState;
            if (!hasCluster && directory.HasLogEntries && !options.JoinExistingCluster)
            {
                // Bootstrapping here would make a one-node cluster of a log that belongs to another.
                throw new DataDirectoryException(
                    $"The data directory {directory.Path} has a write-ahead log but no cluster configuration ({Path.GetFileName(directory.ClusterConfigurationFile)}); starting would found a new cluster on an old log. Restore the file, start with --join to rejoin the cluster, or remove the data directory.");
            }

            var bootstrap = !hasCluster && !options.JoinExistingCluster;
            var listeners = new ApplyListeners(new WatchHub(), new LeaseTracker(TimeProvider.System));
            var raft = await RaftNodeHost.StartAsync(options, directory, bootstrap, listeners, loggerFactory, token);
            var self = new MemberInfo(identity.Id, identity.RaftAddress, options.HttpAddress);
            var store = new QuorumStore(options, directory, raft, listeners, self, !hasCluster && options.JoinExistingCluster, leaderClient, logger);
            store.LogOpened(self.Id, directory.Path, bootstrap ? "bootstrapped a new cluster" : hasCluster ? "rejoining its cluster" : "waiting to be added to a cluster");
            return store;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Reads the ID kept in a data directory, without opening it.</summary>
    /// <param name="dataDirectory">The data directory.</param>
    /// <returns>The ID, or <see langword="null"/> when the directory has none yet.</returns>
    /// <exception cref="DataDirectoryException">The identity file is damaged.</exception>
    public static string? FindNodeId(string dataDirectory)
        => NodeIdentity.Read(Path.Combine(Path.GetFullPath(dataDirectory), DataDirectory.IdentityFileName))?.Id;

    /// <summary>Creates a fresh, random node ID.</summary>
    /// <returns>An ID such as <c>q7f3a91c2</c>.</returns>
    public static string NewNodeId() => NodeIdentity.NewId();

    /// <summary>Sets a key.</summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyBytes"/> bytes.</param>
    /// <param name="value">The value, up to <see cref="StoreOptions.MaxValueBytes"/>.</param>
    /// <param name="token">Cancels waiting; the write may still be applied.</param>
    /// <returns>The write's revision, once a majority has it on disk and it is applied.</returns>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the write was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public Task<WriteResult> SetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken token = default)
        => SetAsync(key, value, Precondition.None, ttl: null, token);

    /// <summary>Sets a key if it satisfies a precondition, optionally with a time to live.</summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyBytes"/> bytes.</param>
    /// <param name="value">The value, up to <see cref="StoreOptions.MaxValueBytes"/>.</param>
    /// <param name="condition">What the key must satisfy when the write is applied.</param>
    /// <param name="ttl">How long the key lives after the write is applied; <see langword="null"/> makes it permanent.</param>
    /// <param name="token">Cancels waiting; the write may still be applied.</param>
    /// <returns>The write's revision, once a majority has it on disk and it is applied.</returns>
    /// <exception cref="PreconditionFailedException">The key did not satisfy <paramref name="condition"/>; nothing changed.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the write was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public async Task<WriteResult> SetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, Precondition condition, TimeSpan? ttl = null, CancellationToken token = default)
    {
        ValidateKey(key.Span);
        ValidateValue(value);
        var outcome = await ProposeAsync(new PutCommand(key.ToArray(), value.ToArray(), condition, Lease(ttl)), token);
        return new WriteResult(Checked(outcome, condition, key).Revision);
    }

    /// <summary>Deletes a key; deleting an absent key is not an error.</summary>
    /// <param name="key">The key.</param>
    /// <param name="token">Cancels waiting; the delete may still be applied.</param>
    /// <returns>The delete's revision.</returns>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the delete was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public Task<WriteResult> DeleteAsync(ReadOnlyMemory<byte> key, CancellationToken token = default)
        => DeleteAsync(key, Precondition.None, token);

    /// <summary>Deletes a key if it satisfies a precondition.</summary>
    /// <param name="key">The key.</param>
    /// <param name="condition">What the key must satisfy when the delete is applied.</param>
    /// <param name="token">Cancels waiting; the delete may still be applied.</param>
    /// <returns>The delete's revision.</returns>
    /// <exception cref="PreconditionFailedException">The key did not satisfy <paramref name="condition"/>; nothing changed.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the delete was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public async Task<WriteResult> DeleteAsync(ReadOnlyMemory<byte> key, Precondition condition, CancellationToken token = default)
    {
        ValidateKey(key.Span);
        var outcome = await ProposeAsync(new DeleteCommand(key.ToArray(), condition), token);
        return new WriteResult(Checked(outcome, condition, key).Revision);
    }

    /// <summary>Runs a transaction: its compares, then one of its branches, as one log entry.</summary>
    /// <param name="request">The transaction.</param>
    /// <param name="token">Cancels waiting; the transaction may still be applied.</param>
    /// <returns>Which branch ran and what each of its operations found or did.</returns>
    /// <exception cref="ArgumentException">The transaction is malformed: a bad key, value or TTL, too many operations, or one key written twice in a branch.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the transaction was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public async Task<TxnResult> TxnAsync(TxnRequest request, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Compare.Count > MaxTxnOperations || request.Success.Count > MaxTxnOperations || request.Failure.Count > MaxTxnOperations)
            throw new ArgumentException($"A transaction takes at most {MaxTxnOperations} compares and {MaxTxnOperations} operations in each branch.", nameof(request));

        var compares = new List<TxnCondition>(request.Compare.Count);
        foreach (var compare in request.Compare)
        {
            ValidateKey(compare.Key.Span);
            if (compare.Revision is < 0)
                throw new ArgumentException("A compared revision must not be negative.", nameof(request));
            if (compare.Revision is null && compare.Value is null)
                throw new ArgumentException("A compare needs a revision or a value.", nameof(request));

            compares.Add(new TxnCondition(compare.Key.ToArray(), compare.Revision, compare.Revision is null ? compare.Value!.Value.ToArray() : null));
        }

        var command = new TxnCommand(compares, Steps(request.Success, "success"), Steps(request.Failure, "failure"));
        var outcome = await ProposeAsync(command, token);
        return outcome.Txn ?? throw new InvalidOperationException("The transaction's entry was applied without a result.");
    }

    /// <summary>Reads a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="consistency">How up to date the answer must be.</param>
    /// <param name="token">Cancels the read.</param>
    /// <returns>The value and its revision, or <see langword="null"/> when the key is absent.</returns>
    /// <exception cref="UnavailableException">A linearizable read could not be confirmed: no leader or no quorum.</exception>
    public async ValueTask<StoredValue?> GetAsync(ReadOnlyMemory<byte> key, ReadConsistency consistency = ReadConsistency.Linearizable, CancellationToken token = default)
    {
        ValidateKey(key.Span);
        if (consistency == ReadConsistency.Linearizable && !options.SkipReadBarrier)
            await WaitUntilCurrentAsync(token);

        using var read = Node.StateMachine.EnterRead();
        return State.Keys.TryGetValue(key.Span, out var record, out var payload) ? new StoredValue(record.ValueOf(payload).ToArray(), record.Revision) : null;
    }

    /// <summary>Lists keys under a prefix in byte order, a page at a time; it reads only the keys it returns.</summary>
    /// <param name="prefix">The prefix; empty lists every key.</param>
    /// <param name="after">Start after this key (the last key of the previous page), or <see langword="null"/> to start at the prefix.</param>
    /// <param name="limit">The most keys to return: 1 to <see cref="MaxListLimit"/>.</param>
    /// <param name="consistency">How up to date the page must be.</param>
    /// <param name="token">Cancels the read.</param>
    /// <returns>The page, and the revision it was read at.</returns>
    /// <exception cref="ArgumentException">The prefix or the start key is too long, or the limit is out of range.</exception>
    /// <exception cref="UnavailableException">A linearizable read could not be confirmed: no leader or no quorum.</exception>
    public async ValueTask<ListPage> ListAsync(ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte>? after, int limit, ReadConsistency consistency = ReadConsistency.Linearizable, CancellationToken token = default)
    {
        if (prefix.Length > MaxKeyBytes || after is { Length: > MaxKeyBytes })
            throw new ArgumentException($"A prefix or start key must be at most {MaxKeyBytes} bytes.", nameof(prefix));
        if (limit is < 1 or > MaxListLimit)
            throw new ArgumentOutOfRangeException(nameof(limit), $"The limit must be 1 to {MaxListLimit}; it is {limit}.");

        if (consistency == ReadConsistency.Linearizable && !options.SkipReadBarrier)
            await WaitUntilCurrentAsync(token);

        using var read = Node.StateMachine.EnterRead();
        var state = State;
        var start = prefix.ToArray();
        if (after is { } last && SortedKeyMap<KeyRecord>.Compare(last.Span, prefix.Span) >= 0)
            start = [.. last.Span, 0];

        var items = new List<StoredKey>(Math.Min(limit, 1024));
        long bytes = 0;
        var more = false;
        foreach (var item in state.EnumerateFrom(start))
        {
            if (!item.Key.Span.StartsWith(prefix.Span))
                break;
            if (items.Count == limit || bytes >= ListPageBytes)
            {
                more = true;
                break;
            }

            items.Add(item);
            bytes += item.Key.Length + item.Value.Length;
        }

        return new ListPage(items, more, state.Index);
    }

    /// <summary>
    /// Watches the keys under a prefix: the changes from <paramref name="fromRevision"/> on (from this
    /// node's history), then each new change as this node applies it.
    /// </summary>
    /// <param name="prefix">The prefix; empty watches every key.</param>
    /// <param name="fromRevision">The first revision to report, or <see langword="null"/> for changes after the current state.</param>
    /// <returns>The watch; dispose it to stop.</returns>
    /// <exception cref="ArgumentException">The prefix is too long or the revision is not positive.</exception>
    /// <exception cref="HistoryCompactedException">The history no longer holds the changes at <paramref name="fromRevision"/>.</exception>
    public WatchSubscription Watch(ReadOnlyMemory<byte> prefix, long? fromRevision = null)
    {
        if (prefix.Length > MaxKeyBytes)
            throw new ArgumentException($"A prefix must be at most {MaxKeyBytes} bytes.", nameof(prefix));
        if (fromRevision is < 1)
            throw new ArgumentOutOfRangeException(nameof(fromRevision), "A watch starts at revision 1 or later.");

        // Subscribe first, then read the state: every change is then in the state's history or
        // arrives live (or both, and the subscription drops the repeat).
        var subscription = listeners.Watches.Subscribe(prefix.ToArray(), options.WatcherBufferChanges);
        var state = State;
        var start = fromRevision ?? state.Index + 1;
        if (start < state.History.FirstRevision)
        {
            subscription.Dispose();
            throw new HistoryCompactedException(
                $"Revision {start} is older than the history this node keeps; the oldest revision a watch can start from is {state.History.FirstRevision}. Read the current state (GET /keys) and watch from its revision + 1.",
                state.History.FirstRevision);
        }

        subscription.Start(start, start <= state.Index ? state.History.From(start).ToList() : [], state.Index);
        return subscription;
    }

    /// <summary>
    /// On the leader: confirms leadership with a quorum round that starts after this call, waits until
    /// every entry in the leader's log at the time of the call is applied, and returns the applied index.
    /// A follower that waits until it has applied this index may answer a read linearizably.
    /// </summary>
    /// <param name="token">Cancels the confirmation.</param>
    /// <returns>The read index.</returns>
    /// <exception cref="UnavailableException">This node is not the leader, or cannot reach a quorum.</exception>
    public async Task<long> ConfirmReadIndexAsync(CancellationToken token = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.ReadTimeout);
        try
        {
            return await ConfirmLeadershipAsync(Node, options.SkipReadIndexQuorumRound, timeout.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new UnavailableException($"The leader could not confirm its leadership with a quorum within {options.ReadTimeout.TotalSeconds:0.###}s. Retry later.");
        }
    }

    /// <summary>
    /// Adds a voting member, or updates the addresses of one; idempotent for the same ID and address.
    /// The new member is first brought up to date with the log (or a snapshot), then the new
    /// configuration is committed. Must be called on the leader.
    /// </summary>
    /// <param name="member">The member; an empty <see cref="MemberInfo.HttpAddress"/> keeps the one already known.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when the member is part of the committed configuration.</returns>
    /// <exception cref="ArgumentException">The ID or an address is malformed.</exception>
    /// <exception cref="MembershipException">The ID or the address already belongs to another member.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, another membership change is in progress, or the new member did not catch up in time.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The change was not confirmed in time.</exception>
    public async Task AddMemberAsync(MemberInfo member, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (!StoreOptions.IsValidNodeId(member.Id))
            throw new ArgumentException($"Member ID '{member.Id}' is not valid: use 1 to 64 letters, digits, '-', '_' or '.'.", nameof(member));
        if (!NetworkAddress.TryParse(member.RaftAddress, out var endPoint))
            throw new ArgumentException($"Member address '{member.RaftAddress}' is not host:port.", nameof(member));
        if (member.HttpAddress.Length > 0 && !Uri.TryCreate(member.HttpAddress, UriKind.Absolute, out _))
            throw new ArgumentException($"Member HTTP address '{member.HttpAddress}' is not a URL.", nameof(member));

        var node = Node;
        _ = await node.AcquireLeadershipAsync(token);
        var raftAddress = NetworkAddress.Format(endPoint);
        var voters = await node.GetVotersAsync(token);
        foreach (var known in State.Members.Values)
        {
            if (!voters.Contains(known.RaftAddress))
                continue;
            if (known.Id == member.Id && known.RaftAddress != raftAddress)
                throw new MembershipException($"Member ID '{member.Id}' already belongs to the member at {known.RaftAddress}. Remove it first, or choose another ID.");
            if (known.Id != member.Id && known.RaftAddress == raftAddress)
                throw new MembershipException($"Address {raftAddress} already belongs to member '{known.Id}'. Remove it first, or use another address.");
        }

        var existing = State.Members.GetValueOrDefault(member.Id);
        var record = new MemberInfo(member.Id, raftAddress, member.HttpAddress.Length > 0 ? member.HttpAddress.TrimEnd('/') : existing?.HttpAddress ?? string.Empty);
        if (record != existing)
            await ProposeAsync(new SetMemberCommand(record), token);

        if (voters.Contains(raftAddress))
            return;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(MembershipTimeout);
        try
        {
            await node.Cluster.AddMemberAsync(endPoint, timeout.Token);
        }
        catch (RaftCluster<RaftClusterMember>.ConcurrentMembershipModificationException e)
        {
            throw new UnavailableException("Another membership change is in progress. Retry when it completes.", e);
        }
        catch (Exception e) when (e is DotNextNotLeaderException or OperationCanceledException && !token.IsCancellationRequested)
        {
            throw new WriteOutcomeUnknownException($"Adding member '{member.Id}' was not confirmed in time; check GET /raft/members, then retry if it is absent.", e);
        }

        if (!(await node.GetVotersAsync(token)).Contains(raftAddress))
            throw new UnavailableException($"Member '{member.Id}' at {raftAddress} did not catch up with the log in time. Check that it is running and reachable there, then retry.");

        LogMemberJoined(member.Id, raftAddress);
    }

    /// <summary>Removes a voting member; a node may remove itself. Must be called on the leader.</summary>
    /// <param name="id">The member's ID.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when the new configuration is committed.</returns>
    /// <exception cref="MembershipException">No member has this ID.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or another membership change is in progress.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The change was not confirmed in time.</exception>
    public async Task RemoveMemberAsync(string id, CancellationToken token = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var node = Node;
        _ = await node.AcquireLeadershipAsync(token);
        var voters = await node.GetVotersAsync(token);
        if (!State.Members.TryGetValue(id, out var member) || !voters.Contains(member.RaftAddress) || !NetworkAddress.TryParse(member.RaftAddress, out var endPoint))
            throw new MembershipException($"The cluster has no member with ID '{id}'. See GET /raft/members.", isUnknownMember: true);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(MembershipTimeout);
        try
        {
            await node.Cluster.RemoveMemberAsync(endPoint, timeout.Token);
        }
        catch (RaftCluster<RaftClusterMember>.ConcurrentMembershipModificationException e)
        {
            throw new UnavailableException("Another membership change is in progress. Retry when it completes.", e);
        }
        catch (Exception e) when (e is DotNextNotLeaderException or OperationCanceledException && !token.IsCancellationRequested)
        {
            throw new WriteOutcomeUnknownException($"Removing member '{id}' was not confirmed in time; check GET /raft/members, then retry if it is still there.", e);
        }

        LogMemberLeft(id);

        // The address record is only a directory entry, and a stale one for a non-member is
        // harmless (it is never listed, and its ID may be reused): the removal has succeeded even if
        // dropping the record fails, as it may when the leader has just removed itself.
        try
        {
            await ProposeAsync(new RemoveMemberCommand(id), token);
        }
        catch (Exception e) when (e is UnavailableException or WriteOutcomeUnknownException)
        {
            LogRecordKept(id, e.Message);
        }
    }

    /// <summary>Gets the voting members, with their addresses and which one leads.</summary>
    /// <returns>The members, ordered by ID.</returns>
    public IReadOnlyList<ClusterMember> GetMembers()
    {
        var node = Node;
        var leader = node.Cluster.Leader?.EndPoint;
        return node.Cluster.Members
            .Select(m =>
            {
                var info = Describe(m.EndPoint);
                return new ClusterMember(info.Id, info.RaftAddress, info.HttpAddress, leader is not null && m.EndPoint.Equals(leader));
            })
            .OrderBy(static m => m.Id, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Gets the member table's record of a member, whether or not it is a voter.</summary>
    /// <param name="id">The member's ID.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    public MemberInfo? FindMember(string id) => State.Members.GetValueOrDefault(id);

    /// <summary>Gets this node's view of itself and its cluster.</summary>
    /// <returns>The status.</returns>
    public StoreStatus GetStatus()
    {
        var leader = Leader;
        var state = IsLeader ? "leader" : leader is not null ? "follower" : "candidate";
        return new StoreStatus(
            Self.Id,
            state,
            Node.Cluster.Term,
            leader?.Id,
            Node.Log.LastCommittedEntryIndex,
            AppliedIndex,
            Node.StateMachine.SnapshotIndex,
            GetMembers());
    }

    /// <summary>Stops Raft, flushes the log, and releases the data directory.</summary>
    /// <returns>A task that completes when the node is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await leaseExpirer.DisposeAsync();
            if (logTrimmer is not null)
                await logTrimmer.DisposeAsync();
            await raft.DisposeAsync();
        }
        finally
        {
            directory.Dispose();
            LogClosed(Self.Id);
        }
    }

    private static NodeIdentity ResolveIdentity(StoreOptions options, DataDirectory directory)
    {
        if (!NetworkAddress.TryParse(options.AdvertisedRaftAddress, out var advertised))
            throw new ArgumentException($"Raft address '{options.AdvertisedRaftAddress}' is not host:port.", nameof(options));

        var raftAddress = NetworkAddress.Format(advertised);
        if (NodeIdentity.Read(directory.IdentityFile) is { } kept)
        {
            if (options.NodeId is { } id && id != kept.Id)
                throw new DataDirectoryException($"The data directory {directory.Path} belongs to node '{kept.Id}', not '{id}'. Start with --node-id {kept.Id}, or use another data directory.");
            if (kept.RaftAddress != raftAddress)
                throw new DataDirectoryException($"Node '{kept.Id}' is known to its cluster by Raft address {kept.RaftAddress}, not {raftAddress}; Raft identifies members by address, so it cannot change. Start with that address, or remove the node from the cluster and start it with a new data directory.");

            return kept;
        }

        var identity = new NodeIdentity(options.NodeId ?? NodeIdentity.NewId(), raftAddress);
        identity.Write(directory.IdentityFile);
        return identity;
    }

    private static void ValidateKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > MaxKeyBytes)
            throw new ArgumentException($"A key must be 1 to {MaxKeyBytes} bytes; this one is {key.Length}.", nameof(key));
    }

    private Task<CommandOutcome> ProposeAsync(Command command, CancellationToken token) => proposer.ProposeAsync(command, token);

    private static CommandOutcome Checked(CommandOutcome outcome, Precondition condition, ReadOnlyMemory<byte> key)
    {
        if (outcome.Applied)
            return outcome;

        var found = outcome.CurrentRevision == 0 ? "it is absent" : $"its revision is {outcome.CurrentRevision}";
        var required = condition.Kind switch
        {
            PreconditionKind.Absent => "to be absent",
            PreconditionKind.Exists => "to exist",
            _ => $"to be at revision {condition.Revision}",
        };
        throw new PreconditionFailedException($"Key '{System.Text.Encoding.UTF8.GetString(key.Span)}' was required {required}, but {found}; nothing was changed.", outcome.CurrentRevision);
    }

    private void ValidateValue(ReadOnlyMemory<byte> value)
    {
        if (value.Length > options.MaxValueBytes)
            throw new ArgumentException($"The value is {value.Length} bytes; the limit is {options.MaxValueBytes}.", nameof(value));
    }

    // The leader stamps its clock into the write: that is how time enters the replicated state.
    private KeyLease? Lease(TimeSpan? ttl)
    {
        if (ttl is not { } duration)
            return null;
        if (duration < TimeSpan.FromMilliseconds(1) || duration > MaxTtl)
            throw new ArgumentOutOfRangeException(nameof(ttl), $"A TTL must be between 1ms and {MaxTtl.TotalDays:0} days.");

        return new KeyLease((long)duration.TotalMilliseconds, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private List<TxnStep> Steps(IReadOnlyList<TxnOperation> operations, string branch)
    {
        var written = new HashSet<ReadOnlyMemory<byte>>(ByteKeyComparer.Instance);
        var steps = new List<TxnStep>(operations.Count);
        foreach (var operation in operations)
        {
            ValidateKey(operation.Key.Span);
            if (operation.Kind is TxnOperationKind.Put or TxnOperationKind.Delete && !written.Add(operation.Key))
                throw new ArgumentException($"Key '{System.Text.Encoding.UTF8.GetString(operation.Key.Span)}' is written more than once in the {branch} branch; a transaction writes a key at most once.", nameof(operations));

            switch (operation.Kind)
            {
                case TxnOperationKind.Put:
                    ValidateValue(operation.Value);
                    steps.Add(new TxnStep(TxnOperationKind.Put, operation.Key.ToArray(), operation.Value.ToArray(), Lease(operation.Ttl)));
                    break;
                case TxnOperationKind.Delete or TxnOperationKind.Get:
                    steps.Add(new TxnStep(operation.Kind, operation.Key.ToArray()));
                    break;
                default:
                    throw new ArgumentException($"Unknown transaction operation {operation.Kind}.", nameof(operations));
            }
        }

        return steps;
    }

    private async ValueTask WaitUntilCurrentAsync(CancellationToken token)
    {
        var node = Node;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.ReadTimeout);
        try
        {
            long index;
            if (!node.LeadershipToken.IsCancellationRequested || node.Cluster.Leader is { IsRemote: false })
            {
                index = await ConfirmLeadershipAsync(node, options.SkipReadIndexQuorumRound, timeout.Token);
            }
            else
            {
                index = await readIndexes.GetAsync(options.ReadTimeout, timeout.Token);
            }

            await node.Log.WaitForApplyAsync(index, timeout.Token);
        }
        catch (Exception e) when (RaftNode.IsFailure(e))
        {
            throw new UnavailableException("This node's Raft stack is restarting after an internal failure. Retry shortly.", e);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new UnavailableException($"The read could not be confirmed with a quorum within {options.ReadTimeout.TotalSeconds:0.###}s: no leader, or no quorum. Retry, or read with consistency=stale.");
        }
    }

    private Task<long> AskLeaderForReadIndexAsync(CancellationToken token)
    {
        var leader = Leader ?? throw new UnavailableException("No leader is known, and a linearizable read needs one. Retry, or read with consistency=stale.");
        if (leaderClient is null || leader.HttpAddress.Length == 0)
            throw new UnavailableException($"This node cannot reach the leader '{leader.Id}' to confirm the read. Retry, or read with consistency=stale.");

        return leaderClient.GetReadIndexAsync(leader, token);
    }

    private static async Task<long> ConfirmLeadershipAsync(RaftNode node, bool skipQuorumRound, CancellationToken token)
    {
        var leadership = await node.AcquireLeadershipAsync(token);

        // Raft's read index: every write completed before this read is committed, so once a quorum
        // round that began after this call confirms the leadership, and the commit index read here
        // is applied, the state is at least as new as any of them. The index is up to date because
        // the leadership is usable only once this term's first entry is committed.
        var index = node.Log.LastCommittedEntryIndex;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, leadership);
        try
        {
            if (!skipQuorumRound)
                await node.Cluster.ForceReplicationAsync(linked.Token);

            await node.Log.WaitForApplyAsync(index, linked.Token);
        }
        catch (Exception e) when (e is DotNextNotLeaderException || RaftNode.IsFailure(e) || (e is OperationCanceledException && leadership.IsCancellationRequested))
        {
            throw new UnavailableException("This node lost its leadership while confirming the read. Retry.", e);
        }

        return index;
    }

    private MemberInfo Describe(EndPoint endPoint)
    {
        var address = NetworkAddress.Format(endPoint);
        if (address == Self.RaftAddress)
            return Self;

        return State.FindMemberByAddress(address) ?? new MemberInfo(address, address, string.Empty);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Id} opened {Directory}: {Mode}")]
    private partial void LogOpened(string id, string directory, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Id} stopped; data directory released")]
    private partial void LogClosed(string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Id} at {Address} joined the cluster")]
    private partial void LogMemberJoined(string id, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Id}'s address record was kept: {Reason}")]
    private partial void LogRecordKept(string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Id} left the cluster")]
    private partial void LogMemberLeft(string id);
}
