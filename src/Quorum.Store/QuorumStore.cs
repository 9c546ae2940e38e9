using System.Reflection;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.Store.Commands;
using Quorum.Store.Leases;
using Quorum.Store.Metrics;
using Quorum.Store.Raft;
using Quorum.Store.Replication;
using Quorum.Store.State;
using Quorum.Store.StateMachine;
using Quorum.Store.Storage;
using Quorum.Store.Watching;

namespace Quorum.Store;

/// <summary>
/// A Quorum node's store: a key-value map replicated by Raft. Open one with <see cref="OpenAsync"/>;
/// then read, write and change membership through it. Writes and membership changes must be made on
/// the leader; reads can be made anywhere.
/// </summary>
public sealed partial class QuorumStore : IAsyncDisposable
{
    /// <summary>The longest key accepted, in bytes.</summary>
    public const int MaxKeyBytes = CommandFactory.MaxKeyBytes;

    /// <summary>The most keys a listing page holds.</summary>
    public const int MaxListLimit = 10_000;

    /// <summary>The most compares, and the most operations in each branch, of a transaction.</summary>
    public const int MaxTxnOperations = CommandFactory.MaxTxnOperations;

    /// <summary>The longest time to live a key can have.</summary>
    public static readonly TimeSpan MaxTtl = CommandFactory.MaxTtl;

    private static readonly TimeSpan LogTrimPeriod = TimeSpan.FromSeconds(2);

    private readonly StoreOptions options;
    private readonly DataDirectory directory;
    private readonly RaftNodeHost raft;
    private readonly ILogger logger;
    private readonly CommandFactory commands;
    private readonly Proposer proposer;
    private readonly ClusterMembership membership;
    private readonly ReadBarrier readBarrier;
    private readonly MappedLogTrimmer? logTrimmer;
    private readonly ApplyListeners listeners;
    private readonly LeaseExpirer leaseExpirer;
    private readonly DotNextMetricsBridge metricsBridge;
    private readonly ReplicationObserver replication;
    private readonly SlowIoWarnings slowIo;

    private QuorumStore(StoreOptions options, DataDirectory directory, RaftNodeHost raft, ApplyListeners listeners, StoreMetrics metrics, MemberInfo self, ILeaderClient? leaderClient, ILogger logger)
    {
        Metrics = metrics;
        var time = TimeProvider.System;
        this.listeners = listeners;
        this.options = options;
        this.directory = directory;
        this.raft = raft;
        this.logger = logger;
        commands = new CommandFactory(options.MaxValueBytes, time);
        proposer = new Proposer(raft, options, metrics);
        replication = new ReplicationObserver(() => raft.Current, time);
        membership = new ClusterMembership(raft, proposer, replication, ReachableWindow(options), self, logger);
        readBarrier = new ReadBarrier(raft, options, membership, leaderClient);
        logTrimmer = MappedLogTrimmer.Start(directory.LogPath, LogTrimPeriod, logger);
        leaseExpirer = new LeaseExpirer(listeners.Leases, raft, proposer, time, logger);
        Self = self;
        slowIo = new SlowIoWarnings(metrics, options.SlowFsyncWarning, options.SlowPeerWarning, logger);
        metricsBridge = new DotNextMetricsBridge(metrics, address => State.FindMemberByAddress(address)?.Id);
        ObserveGauges();
    }

    /// <summary>Gets the program's version: the informational version of this build, such as <c>1.0.0+COMMIT</c>.</summary>
    public static string Version { get; } = typeof(QuorumStore).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Gets this node's ID and addresses.</summary>
    public MemberInfo Self { get; }

    /// <summary>Gets the store's options.</summary>
    public StoreOptions Options => options;

    /// <summary>Gets a value indicating that this node is the leader.</summary>
    public bool IsLeader => !Node.LeadershipToken.IsCancellationRequested;

    /// <summary>Gets the leader this node knows of, or <see langword="null"/>.</summary>
    public MemberInfo? Leader => membership.Leader;

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
            if (!hasCluster && options.JoinExistingCluster)
                directory.JoinPending = true;

            var listeners = new ApplyListeners(new WatchHub(), new LeaseTracker(TimeProvider.System));
            var metrics = options.Metrics ?? new StoreMetrics();
            var raft = await RaftNodeHost.StartAsync(options, directory, bootstrap, listeners, metrics, loggerFactory, token);
            var self = new MemberInfo(identity.Id, identity.RaftAddress, options.HttpAddress);
            var store = new QuorumStore(options, directory, raft, listeners, metrics, self, leaderClient, logger);
            store.LogOpened(self.Id, directory.Path, bootstrap ? "bootstrapped a new cluster" : directory.JoinPending ? "waiting to be added to a cluster" : "rejoining its cluster");
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
            GetMembers(),
            replication.Observe(address => State.FindMemberByAddress(address)?.Id ?? address),
            DiskUsage.FileBytes(Node.StateMachine.SnapshotFilePath),
            DiskUsage.DirectoryBytes(directory.LogPath),
            Version);
    }

    /// <summary>Stops Raft, flushes the log, and releases the data directory.</summary>
    /// <returns>A task that completes when the node is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await leaseExpirer.DisposeAsync();
            await slowIo.DisposeAsync();
            replication.Dispose();
            if (logTrimmer is not null)
                await logTrimmer.DisposeAsync();
            await raft.DisposeAsync();
        }
        finally
        {
            metricsBridge.Dispose();
            if (options.Metrics is null)
                Metrics.Dispose();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Id} opened {Directory}: {Mode}")]
    private partial void LogOpened(string id, string directory, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Id} stopped; data directory released")]
    private partial void LogClosed(string id);

}
