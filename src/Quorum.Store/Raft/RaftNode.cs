using System.Net;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using Quorum.Store.Metrics;
using Quorum.Store.StateMachine;
using Quorum.Store.Storage;

namespace Quorum.Store.Raft;

/// <summary>
/// The DotNext parts of one node, wired together: the Raft cluster over its TCP transport, the
/// write-ahead log, the key-value state machine it applies to, and the persistent membership.
/// </summary>
internal sealed partial class RaftNode : IAsyncDisposable
{
    private const int LogChunkSize = 4 * 1024 * 1024;

    private readonly ClusterConfigurationFile configuration;
    private readonly ILogger logger;
    private readonly Func<EndPoint, string> describe;
    private readonly TimeSpan leadershipWait;
    private readonly StoreMetrics metrics;
    private long leaderTerm = -1;

    private RaftNode(RaftCluster cluster, DurableWriteAheadLog log, KeyValueStateMachine stateMachine, ClusterConfigurationFile configuration, EndPoint localAddress, TimeSpan electionTimeout, StoreMetrics metrics, ILogger logger)
    {
        this.metrics = metrics;
        // A node that has just won commits its term's first entry within a few heartbeats, or never.
        leadershipWait = electionTimeout * 4;
        Cluster = cluster;
        Log = log;
        StateMachine = stateMachine;
        this.configuration = configuration;
        LocalAddress = localAddress;
        this.logger = logger;
        describe = address => StateMachine.State.FindMemberByAddress(NetworkAddress.Format(address))?.Id ?? NetworkAddress.Format(address);
    }

    /// <summary>Gets the Raft cluster.</summary>
    public RaftCluster Cluster { get; }

    /// <summary>Gets the write-ahead log.</summary>
    public DurableWriteAheadLog Log { get; }

    /// <summary>Gets the state machine.</summary>
    public KeyValueStateMachine StateMachine { get; }

    /// <summary>
    /// Gets the term in which this node last became leader, or -1.
    /// </summary>
    /// <remarks>
    /// DotNext updates the term before it steps a leader down, so <c>Cluster.Term</c> read while the
    /// leadership token is still valid may already be the next term; an entry stamped with it would
    /// break Raft's log matching. This term is captured when the node becomes leader, under DotNext's
    /// transition lock, so it is the leader's own term for as long as that leadership lasts.
    /// </remarks>
    public long LeaderTerm => Volatile.Read(ref leaderTerm);

    /// <summary>Gets this node's Raft address, as the cluster knows it.</summary>
    public EndPoint LocalAddress { get; }

    /// <summary>Gets the leadership token, cancelled when this node does not lead or has failed (DotNext throws then).</summary>
    public CancellationToken LeadershipToken
    {
        get
        {
            try
            {
                return Cluster.LeadershipToken;
            }
            catch (Exception e) when (IsFailure(e))
            {
                return new CancellationToken(canceled: true);
            }
        }
    }

    /// <summary>
    /// Gets the leadership token, waiting for it when this node has just won an election: until the
    /// no-op entry of its term is committed and everything before it applied, a new leader must not
    /// serve (DotNext keeps the token cancelled until then).
    /// </summary>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A token that is cancelled when this leadership ends.</returns>
    /// <exception cref="UnavailableException">This node does not lead, or did not become usable in time.</exception>
    public async ValueTask<CancellationToken> AcquireLeadershipAsync(CancellationToken token)
    {
        var leadership = LeadershipToken;
        if (!leadership.IsCancellationRequested)
            return leadership;
        if (Cluster.Leader is not { IsRemote: false })
            throw NotLeader();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(leadershipWait);
        try
        {
            return await Cluster.WaitForLeadershipAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw NotLeader();
        }
    }

    /// <summary>The error for a request that needs the leader on a node that does not lead.</summary>
    /// <returns>The exception, naming the leader when one is known.</returns>
    public UnavailableException NotLeader()
        => new(Cluster.Leader is { } leader ? $"This node is not the leader; the leader is '{describe(leader.EndPoint)}'." : "There is no leader at the moment. Retry shortly.");

    /// <summary>Tells whether an exception means the node's Raft stack has failed or been replaced.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> for a failed log, a zombie cluster, or a disposed node.</returns>
    public static bool IsFailure(Exception exception)
        => exception is ObjectDisposedException or IntegrityException or System.Diagnostics.UnreachableException;

    /// <summary>
    /// Gets the failure that broke this node for good, or <see langword="null"/> while it works:
    /// a failed background task of the log (the log then refuses every call), or a cluster that
    /// DotNext moved to its terminal "zombie" state after an unhandled error.
    /// </summary>
    public Exception? Failure
    {
        get
        {
            try
            {
                _ = Cluster.LeadershipToken; // throws once the cluster is a zombie
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return e;
            }

            var probe = Log.WaitForApplyAsync(0L).AsTask(); // completes at once unless the log has failed
            return probe.IsFaulted ? probe.Exception?.GetBaseException() : null;
        }
    }

    /// <summary>Reads the committed voting configuration: the Raft addresses of the voters.</summary>
    /// <param name="token">Cancels the read.</param>
    /// <returns>The addresses, formatted as <c>host:port</c>.</returns>
    /// <remarks>The cluster's own member list catches up with a newly committed configuration a moment later; this does not lag.</remarks>
    public async Task<HashSet<string>> GetVotersAsync(CancellationToken token)
    {
        var committed = await ((IClusterConfigurationStorage<EndPoint>)configuration).LoadConfigurationAsync(token);
        return committed.Members.Select(NetworkAddress.Format).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Gets the write-ahead log's options; whatever opens a node's log, running or offline, must open it with these.</summary>
    /// <param name="directory">The data directory.</param>
    /// <returns>The options.</returns>
    public static WriteAheadLog.Options CreateLogOptions(DataDirectory directory) => new()
    {
        Location = directory.LogPath,

        // One OS page per chunk (the default) costs about 40% of write throughput.
        ChunkSize = LogChunkSize,
        HashAlgorithm = WriteAheadLog.IntegrityHashAlgorithm.XxHash3,
    };

    /// <summary>Restores the state, opens the log and starts the Raft cluster.</summary>
    /// <param name="options">The store's options.</param>
    /// <param name="directory">The (locked) data directory.</param>
    /// <param name="diskSpace">The guard of the data directory's free space; a follower takes no entries while it says the disk is full.</param>
    /// <param name="bootstrap"><see langword="true"/> to make this node a new one-member cluster; only for an empty data directory.</param>
    /// <param name="listeners">What the state machine tells about applied entries.</param>
    /// <param name="metrics">Where the node's measurements go.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <param name="token">Cancels start-up.</param>
    /// <returns>The running node.</returns>
    public static async Task<RaftNode> StartAsync(StoreOptions options, DataDirectory directory, DiskSpaceGuard diskSpace, bool bootstrap, ApplyListeners listeners, StoreMetrics metrics, ILoggerFactory loggerFactory, CancellationToken token)
    {
        var logger = loggerFactory.CreateLogger<RaftNode>();
        if (DurableWriteAheadLog.AckBeforeFlush)
            LogUnsafeAckBeforeFlush(logger, DurableWriteAheadLog.UnsafeAckBeforeFlushVariable);
        var configuration = new ClusterConfigurationFile(directory.ClusterConfigurationFile);
        var stateMachine = new KeyValueStateMachine(directory.SnapshotPath, options.SnapshotInterval, loggerFactory.CreateLogger<KeyValueStateMachine>())
        {
            // Set before the log exists: its constructor starts replaying committed entries at once.
            ConfigurationStorage = configuration,
            SnapshotLogBytes = options.SnapshotLogBytes,
            Watches = listeners.Watches,
            Leases = listeners.Leases,
            WatchHistoryChanges = options.WatchHistoryChanges,
            WatchHistoryBytes = options.WatchHistoryBytes,
            SnapshotDuration = metrics.SnapshotDuration,
        };

        await stateMachine.RestoreAsync(token);

        var log = new DurableWriteAheadLog(CreateLogOptions(directory), stateMachine, diskSpace);

        if (!NetworkAddress.TryParse(options.AdvertisedRaftAddress, out var advertised))
            throw new ArgumentException($"Raft address '{options.AdvertisedRaftAddress}' is not host:port.", nameof(options));

        var lowerElectionTimeout = (int)options.ElectionTimeout.TotalMilliseconds;
        var transport = new RaftCluster.TcpConfiguration(options.RaftEndPoint)
        {
            PublicEndPoint = advertised,
            ConfigurationStorage = configuration,
            ColdStart = bootstrap,
            LowerElectionTimeout = lowerElectionTimeout,
            UpperElectionTimeout = lowerElectionTimeout * 2,

            // A request covers the follower's disk flush and, for a far-behind follower, receiving
            // and loading a whole snapshot, so it gets far longer than an election timeout.
            RequestTimeout = options.RaftRequestTimeout ?? TimeSpan.FromMilliseconds(Math.Max(2_000, lowerElectionTimeout * 4)),
            ConnectTimeout = TimeSpan.FromMilliseconds(lowerElectionTimeout),
            LoggerFactory = new DiskFullLogFilter(loggerFactory),
            SslOptions = options.PeerTls,
        };

        var cluster = new RaftCluster(transport) { AuditTrail = log };
        var node = new RaftNode(cluster, log, stateMachine, configuration, advertised, options.ElectionTimeout, metrics, logger);
        cluster.LeaderChanged += node.OnLeaderChanged;
        cluster.MemberAdded += node.OnMemberAdded;
        cluster.MemberRemoved += node.OnMemberRemoved;

        try
        {
            await cluster.StartAsync(token);
        }
        catch (Exception e) when (e is IntegrityException or InvalidDataException)
        {
            await node.DisposeAsync();
            throw new DataDirectoryException($"The write-ahead log in {directory.LogPath} is damaged ({e.Message}); refusing to start. Restore the data directory from a backup, or remove it and let the node rejoin its cluster.", e);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        // The log replays committed entries while the cluster verifies the log's checksums; only
        // once that has passed may a snapshot make the replayed state permanent.
        stateMachine.SnapshotsEnabled = true;
        return node;
    }

    /// <summary>Stops Raft, then closes the log and the state machine.</summary>
    /// <returns>A task that completes when everything is flushed and closed.</returns>
    public async ValueTask DisposeAsync()
    {
        Cluster.LeaderChanged -= OnLeaderChanged;
        Cluster.MemberAdded -= OnMemberAdded;
        Cluster.MemberRemoved -= OnMemberRemoved;
        try
        {
            await Cluster.StopAsync(CancellationToken.None);
        }
        finally
        {
            await Cluster.DisposeAsync();
            await Log.DisposeAsync();
            await StateMachine.DisposeAsync();
            configuration.Dispose();
        }
    }

    private void OnLeaderChanged(RaftCluster<RaftClusterMember> sender, RaftClusterMember? leader)
    {
        if (leader is null)
        {
            LogNoLeader(sender.Term);
            return;
        }

        // Counted as etcd counts it: a leader newly known, not the loss of one.
        metrics.LeaderChanges.Add(1);
        if (!leader.IsRemote)
        {
            Volatile.Write(ref leaderTerm, sender.Term);
            LogBecameLeader(sender.Term);
        }
        else
            LogFollowing(describe(leader.EndPoint), sender.Term);
    }

    private void OnMemberAdded(RaftCluster<RaftClusterMember> sender, RaftClusterMemberEventArgs<RaftClusterMember> args)
        => LogMemberAdded(describe(args.Member.EndPoint));

    private void OnMemberRemoved(RaftCluster<RaftClusterMember> sender, RaftClusterMemberEventArgs<RaftClusterMember> args)
    {
        if (args.Member.IsRemote)
            LogMemberRemoved(describe(args.Member.EndPoint));
        else
            LogThisNodeRemoved();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Became leader in term {Term}")]
    private partial void LogBecameLeader(long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "Following leader {Leader} in term {Term}")]
    private partial void LogFollowing(string leader, long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "No leader known in term {Term}")]
    private partial void LogNoLeader(long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Member} added")]
    private partial void LogMemberAdded(string member);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Member} removed")]
    private partial void LogMemberRemoved(string member);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Variable} is set: this node acknowledges log entries before they are on its disk, so a crash can lose acknowledged writes (test-only)")]
    private static partial void LogUnsafeAckBeforeFlush(ILogger logger, string variable);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This node was removed from the cluster; it no longer takes part in replication")]
    private partial void LogThisNodeRemoved();
}
