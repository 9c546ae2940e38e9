using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Quorum.Store.Metrics;
using Quorum.Store.StateMachine;
using Quorum.Store.Storage;

namespace Quorum.Store.Raft;

/// <summary>
/// Keeps this node's Raft stack running: when DotNext's log or cluster fails internally, disposes
/// the node and opens it again from the data directory, as a crash and restart would.
/// </summary>
/// <remarks>
/// Such a failure is permanent inside DotNext (the log refuses every call, the cluster becomes a
/// "zombie"), so without this a node would stay up but useless. The case met in practice is a race
/// in DotNext 6.12's log flusher during snapshot installation (see DotNextSnapshotInstallRaceTests):
/// it fails before writing anything, so reopening from disk is exactly a crash-restart, which Raft
/// is built to survive. If reopening finds the data directory damaged, the host gives up and
/// reports it through <see cref="Failed"/>: the node must not serve from bad data.
/// </remarks>
internal sealed partial class RaftNodeHost : IAsyncDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    private readonly StoreOptions options;
    private readonly DataDirectory directory;
    private readonly ApplyListeners listeners;
    private readonly StoreMetrics metrics;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly CancellationTokenSource lifetime = new();
    private readonly TaskCompletionSource failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task watchdog;
    private readonly ResiliencePipeline restartPipeline;
    private volatile RaftNode current;
    private int restarts;

    private RaftNodeHost(RaftNode node, DiskSpaceGuard diskSpace, StoreOptions options, DataDirectory directory, ApplyListeners listeners, StoreMetrics metrics, ILoggerFactory loggerFactory)
    {
        DiskSpace = diskSpace;
        this.metrics = metrics;
        current = node;
        this.options = options;
        this.directory = directory;
        this.listeners = listeners;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger<RaftNodeHost>();
        restartPipeline = CreateRestartPipeline();
        watchdog = Task.Run(WatchAsync);
    }

    /// <summary>Gets the running node. It may be replaced at any time; read it once per operation.</summary>
    public RaftNode Current => current;

    /// <summary>Gets the guard of the data directory's free space, which every node this host starts shares.</summary>
    public DiskSpaceGuard DiskSpace { get; }

    /// <summary>Gets a task that fails when the node broke and could not be opened again (a damaged data directory).</summary>
    public Task Failed => failed.Task;

    /// <summary>Gets how many times the node was restarted after an internal failure.</summary>
    public int Restarts => Volatile.Read(ref restarts);

    /// <summary>Starts the first node and the watchdog.</summary>
    /// <param name="options">The store's options.</param>
    /// <param name="directory">The locked data directory.</param>
    /// <param name="bootstrap">Whether this first start founds a new one-member cluster.</param>
    /// <param name="listeners">What the state machine tells about applied entries.</param>
    /// <param name="metrics">Where the node's measurements go; they outlive a restart.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <param name="token">Cancels start-up.</param>
    /// <returns>The host.</returns>
    public static async Task<RaftNodeHost> StartAsync(StoreOptions options, DataDirectory directory, bool bootstrap, ApplyListeners listeners, StoreMetrics metrics, ILoggerFactory loggerFactory, CancellationToken token)
    {
        var diskSpace = new DiskSpaceGuard(directory.Path, options.DiskReserveBytes, loggerFactory.CreateLogger<DiskSpaceGuard>());
        var node = await RaftNode.StartAsync(options, directory, diskSpace, bootstrap, listeners, metrics, loggerFactory, token);
        return new RaftNodeHost(node, diskSpace, options, directory, listeners, metrics, loggerFactory);
    }

    /// <summary>Stops the watchdog and the node.</summary>
    /// <returns>A task that completes when the node is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync();
        await watchdog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await current.DisposeAsync();
        lifetime.Dispose();
    }

    private async Task WatchAsync()
    {
        using var timer = new PeriodicTimer(CheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(lifetime.Token))
            {
                if (current.Failure is { } failure)
                {
                    LogFailed(failure.GetType().Name, failure.Message);
                    if (!await RestartAsync())
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
        }
    }

    // Returns false when the node cannot be opened again and the host has given up.
    private async Task<bool> RestartAsync()
    {
        try
        {
            await current.DisposeAsync();
        }
        catch (Exception e)
        {
            LogDisposeFailed(e.Message);
        }

        try
        {
            current = await restartPipeline.ExecuteAsync(
                static async (host, token) => await RaftNode.StartAsync(host.options, host.directory, host.DiskSpace, bootstrap: false, host.listeners, host.metrics, host.loggerFactory, token),
                this,
                lifetime.Token);
            Interlocked.Increment(ref restarts);
            LogRestarted();
            return true;
        }
        catch (DataDirectoryException e)
        {
            LogGaveUp(e.Message);
            failed.TrySetException(e);
            return false;
        }
    }

    // Retries opening Raft until it opens, waiting 0.5 s, 1 s, 2 s ... up to 10 s between tries; a
    // data directory that cannot be used (DataDirectoryException) ends the retries at once.
    private ResiliencePipeline CreateRestartPipeline() => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(static e => e is not (OperationCanceledException or DataDirectoryException)),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = CheckInterval,
            MaxDelay = LongestRetry,
            UseJitter = false,
            OnRetry = args =>
            {
                LogRestartFailed(args.Outcome.Exception?.Message ?? "unknown", args.RetryDelay.TotalSeconds);
                return default;
            },
        })
        .Build();

    [LoggerMessage(Level = LogLevel.Error, Message = "The Raft log or cluster failed internally ({Kind}: {Reason}); restarting Raft from the data directory")]
    private partial void LogFailed(string kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the failed Raft node: {Reason}")]
    private partial void LogDisposeFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Raft restarted from the data directory after an internal failure")]
    private partial void LogRestarted();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting Raft failed ({Reason}); trying again in {Seconds}s")]
    private partial void LogRestartFailed(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Raft cannot be restarted: {Reason}")]
    private partial void LogGaveUp(string reason);
}
