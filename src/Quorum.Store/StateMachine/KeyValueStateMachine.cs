using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using Quorum.Store.Commands;
using Quorum.Store.Leases;
using Quorum.Store.Native;
using Quorum.Store.Snapshots;
using Quorum.Store.State;
using Quorum.Store.Watching;

namespace Quorum.Store.StateMachine;

/// <summary>
/// The replicated key-value state machine. It has three duties: apply each committed log entry,
/// take a snapshot every so often so the log stays bounded, and restore from a snapshot (its own at
/// start-up, or one the leader sends).
/// </summary>
/// <remarks>
/// Readers get immutable <see cref="StoreState"/> versions, so they never see half an entry and
/// never hold a lock while they read. Keys and values live in native memory that the applier frees
/// as soon as no reader can see them (<see cref="EntryReclaimer"/>): whoever reads keys or values
/// does so inside <see cref="EnterRead"/> and copies out what it keeps. The applier changes one
/// <see cref="StoreState.Builder"/> in place and hands out a version only when someone asks for one
/// after an entry was applied: a run of writes nobody reads in between copies no tree nodes. Because a version never changes, a
/// snapshot is written in the background from the version current when it was started, while later
/// entries keep being applied; it becomes the log's snapshot at the next apply after it is complete
/// and on disk.
/// </remarks>
internal sealed partial class KeyValueStateMachine : IStateMachine, IAsyncDisposable
{
    private readonly SnapshotDirectory snapshots;
    private readonly long snapshotInterval;
    private readonly ILogger logger;
    private readonly CancellationTokenSource lifetime = new();
    private readonly Lock gate = new();
    private readonly EntryReclaimer reclaimer = new();
    private StoreState.Builder working;
    private StoreState state = StoreState.Empty;
    private long appliedIndex;
    private SnapshotFile? snapshot;
    private Task<SnapshotFile>? pendingSnapshot;
    private long retryIndex;
    private long logBytesSinceSnapshot;
    private long lastSnapshotBytes;
    private long historyChanges = StoreOptions.DefaultWatchHistoryChanges;
    private long historyBytes = StoreOptions.DefaultWatchHistoryBytes;

    /// <summary>Initializes a new instance of the <see cref="KeyValueStateMachine"/> class.</summary>
    /// <param name="snapshotPath">The folder for snapshots.</param>
    /// <param name="snapshotInterval">How many log entries to apply between snapshots.</param>
    /// <param name="logger">The logger.</param>
    public KeyValueStateMachine(string snapshotPath, long snapshotInterval, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotInterval, 1);
        snapshots = new SnapshotDirectory(snapshotPath);
        this.snapshotInterval = snapshotInterval;
        this.logger = logger;
        working = StoreState.Empty.ToBuilder(reclaimer);
    }

    /// <summary>Gets where the time each snapshot took is recorded, or <see langword="null"/>.</summary>
    public Histogram<double>? SnapshotDuration { get; init; }

    /// <summary>Gets how entries dropped from the state are freed; for tests.</summary>
    internal EntryReclaimer Reclaimer => reclaimer;

    /// <summary>
    /// Starts a read of keys or values: until the scope is disposed, no entry of <see cref="State"/>
    /// read after this call is freed. Take the state after entering, and copy out what outlives the scope.
    /// </summary>
    /// <returns>The scope.</returns>
    /// <exception cref="ObjectDisposedException">The state machine is disposed (its node stopped or restarted).</exception>
    public EntryReclaimer.ReadScope EnterRead() => reclaimer.Enter();

    /// <summary>
    /// Gets the current state: every entry applied so far. Its members, history and position may be
    /// read at any time; its keys and values only inside <see cref="EnterRead"/>.
    /// </summary>
    public StoreState State
    {
        get
        {
            var published = Volatile.Read(ref state);
            return published.Index == Volatile.Read(ref appliedIndex) ? published : Publish();
        }
    }

    /// <summary>
    /// Gets how many bytes of log entries may be applied before a snapshot is taken, however few
    /// entries they are (entries carry many commands each, by group commit), unless the last snapshot
    /// was larger: then as many bytes as it had.
    /// </summary>
    /// <remarks>
    /// Each snapshot writes the whole state, so spacing them by the state's size keeps what they
    /// cost per write the same for a large store as for a small one; the price is a log on disk (and
    /// a replay at restart) up to the state's size.
    /// </remarks>
    public long SnapshotLogBytes { get; init; } = long.MaxValue;

    /// <summary>Gets where applied changes go to watchers; it outlives this state machine if Raft restarts.</summary>
    public WatchHub Watches { get; init; } = new();

    /// <summary>Gets where applied leases are tracked; it outlives this state machine if Raft restarts.</summary>
    public LeaseTracker Leases { get; init; } = new(TimeProvider.System);

    /// <summary>Gets how many recent changes the watch history keeps (<see cref="StoreOptions.WatchHistoryChanges"/>).</summary>
    public long WatchHistoryChanges
    {
        get => historyChanges;
        init
        {
            historyChanges = value;
            Replace(StoreState.Empty);
        }
    }

    /// <summary>Gets how many bytes the watch history keeps (<see cref="StoreOptions.WatchHistoryBytes"/>).</summary>
    public long WatchHistoryBytes
    {
        get => historyBytes;
        init
        {
            historyBytes = value;
            Replace(StoreState.Empty);
        }
    }

    /// <summary>Gets the index of the latest snapshot the log knows about, or 0.</summary>
    public long SnapshotIndex => Volatile.Read(ref snapshot)?.Index ?? 0;

    /// <summary>Gets the file of the latest snapshot the log knows about, or <see langword="null"/>.</summary>
    public string? SnapshotFilePath => Volatile.Read(ref snapshot)?.Path;

    /// <summary>Gets or sets a value indicating whether snapshots may be taken; off until the log has been verified at start-up.</summary>
    public bool SnapshotsEnabled { get; set; }

    /// <summary>
    /// Gets or sets where cluster-configuration entries are saved when the log hands them to the state
    /// machine: it does so while replaying at start-up, before the Raft cluster has attached its own
    /// storage to the log, and the configuration must not be missed then.
    /// </summary>
    public IClusterConfigurationStorage? ConfigurationStorage { get; set; }

    /// <inheritdoc/>
    ISnapshot? ISnapshotManager.Snapshot => Volatile.Read(ref snapshot);

    /// <summary>Loads the newest snapshot on disk; must be awaited before the write-ahead log is created over this state machine.</summary>
    /// <param name="token">Cancels the load.</param>
    /// <returns>A task that completes when the state is restored.</returns>
    /// <exception cref="DataDirectoryException">The snapshot is damaged.</exception>
    public async ValueTask RestoreAsync(CancellationToken token)
    {
        if (snapshots.FindLatest() is not { } latest)
            return;

        var stopwatch = Stopwatch.StartNew();
        var restored = await Task.Run(() => SnapshotDirectory.Load(latest, token), token);
        Replace(restored);
        Volatile.Write(ref snapshot, latest);
        lastSnapshotBytes = new FileInfo(latest.Path).Length;
        LogRestored(latest.Index, restored.Keys.Count, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>Waits for a snapshot being written in the background, if any; for tests and orderly shutdown.</summary>
    /// <returns>A task that completes when no snapshot is being written.</returns>
    public async Task WaitForPendingSnapshotAsync()
    {
        if (pendingSnapshot is { } task)
            await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <inheritdoc/>
    async ValueTask<long> IStateMachine.ApplyAsync(LogEntry entry, CancellationToken token)
    {
        PublishCompletedSnapshot();

        if (entry.IsSnapshot)
            return await InstallSnapshotAsync(entry, token);

        // Only this method changes the builder, and the log calls it for one entry at a time.
        var current = working.Index;
        if (entry.Index <= current)
            return current;

        if (entry.IsConfiguration)
        {
            if (ConfigurationStorage is { } storage)
                await storage.SaveConfigurationAsync(entry, entry.Index, token);

            Advance(entry.Index, entry.Term);
        }
        else if (entry.TryGetPayload(out var payload) && !payload.IsEmpty)
        {
            logBytesSinceSnapshot += payload.Length;

            // The leader's own entry comes with the commands it was encoded from: an entry with the
            // same index and term is the same entry, so they are the payload's commands, already decoded.
            var proposal = entry.Context as Proposal;
            var own = proposal is not null && proposal.Term == entry.Term;
            var commands = own ? proposal!.Commands : Decode(payload, entry);
            var outcomes = new CommandOutcome[commands.Count];
            lock (gate)
            {
                working.Apply(commands, entry.Index, entry.Term, outcomes);
                Volatile.Write(ref appliedIndex, entry.Index);
            }

            // After the state has the entry, so that a watch that reads the state after subscribing
            // either finds these changes there or receives them here.
            if (working.LastChanges is { } changes)
                Watches.Publish(changes);
            foreach (var grant in working.LastGrants)
                Leases.Track(grant);

            if (own)
                proposal!.Complete(outcomes);
            else
                proposal?.Supersede();

            reclaimer.Reclaim();
        }
        else
        {
            // Empty entries are the leader's no-ops: the one it appends on election, and the ones
            // that fence membership changes.
            Advance(entry.Index, entry.Term);
        }

        StartSnapshotIfDue(entry.Index);
        return entry.Index;
    }

    private void Advance(long index, long term)
    {
        lock (gate)
        {
            working.Advance(index, term);
            Volatile.Write(ref appliedIndex, index);
        }
    }

    // Hands out the applier's state as it stands; copy-on-write starts again from here.
    private StoreState Publish()
    {
        lock (gate)
        {
            if (state.Index != working.Index)
                Volatile.Write(ref state, working.ToImmutable());
            return state;
        }
    }

    private void Replace(StoreState restored)
    {
        restored = restored.WithHistoryLimits(historyChanges, historyBytes);
        lock (gate)
        {
            working.RetireAll();
            working = restored.ToBuilder(reclaimer);
            Volatile.Write(ref state, restored);
            Volatile.Write(ref appliedIndex, restored.Index);
        }

        Watches.CatchUp(restored);
        if (restored.Index > 0)
            Leases.Reset((IEnumerable<LeaseGrant>)restored.EnumerateLeases());
        reclaimer.Reclaim();
    }

    private static IReadOnlyList<Command> Decode(ReadOnlySequence<byte> payload, LogEntry entry)
    {
        try
        {
            return CommandCodec.Decode(payload);
        }
        catch (InvalidDataException e)
        {
            throw new DataDirectoryException($"Log entry {entry.Index} (term {entry.Term}) is damaged ({e.Message}); refusing to apply it.", e);
        }
    }

    /// <inheritdoc/>
    ValueTask ISnapshotManager.ReclaimGarbageAsync(long watermark, CancellationToken token)
    {
        snapshots.DeleteOlderThan(watermark);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync();
        await WaitForPendingSnapshotAsync();
        lifetime.Dispose();

        // Readers still in a read when the node stops are at most a lookup away from done.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await reclaimer.CloseAsync(() => working.ToImmutable().Keys.Enumerate().Select(static e => e.Item), patience.Token);
        }
        catch (OperationCanceledException)
        {
            // A reader never left: leave the blocks to the process rather than free them under it.
            LogReadersOutstanding();
        }
    }

    private async ValueTask<long> InstallSnapshotAsync(LogEntry entry, CancellationToken token)
    {
        // A snapshot of our own that is still being written is older than the one arriving: drop it.
        await WaitForPendingSnapshotAsync();
        pendingSnapshot = null;

        LogInstalling(entry.Index);
        var stopwatch = Stopwatch.StartNew();
        var (installed, restored) = await snapshots.InstallAsync(entry, entry.Index, entry.Term, token);
        Replace(restored);
        Volatile.Write(ref snapshot, installed);
        logBytesSinceSnapshot = 0;
        lastSnapshotBytes = new FileInfo(installed.Path).Length;
        LogInstalled(entry.Index, restored.Keys.Count, stopwatch.ElapsedMilliseconds);
        return entry.Index;
    }

    private void StartSnapshotIfDue(long index)
    {
        var due = index - SnapshotIndex >= snapshotInterval || logBytesSinceSnapshot >= Math.Max(SnapshotLogBytes, lastSnapshotBytes);
        if (!SnapshotsEnabled || pendingSnapshot is not null || !due || index < retryIndex)
            return;

        logBytesSinceSnapshot = 0;

        // The snapshot reads every value, in the background, while later entries free what they
        // replace: it holds a read for as long as it writes.
        var read = EnterRead();
        var current = Publish();
        var token = lifetime.Token;
        pendingSnapshot = Task.Run(
            () =>
            {
                using (read)
                {
                    var started = Stopwatch.GetTimestamp();
                    var written = snapshots.Write(current, token);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    SnapshotDuration?.Record(elapsed.TotalSeconds);
                    LogSnapshotTaken(written.Index, current.Keys.Count, new FileInfo(written.Path).Length, (long)elapsed.TotalMilliseconds);
                    return written;
                }
            },
            CancellationToken.None);
    }

    private void PublishCompletedSnapshot()
    {
        if (pendingSnapshot is not { IsCompleted: true } task)
            return;

        pendingSnapshot = null;
        if (task.IsCompletedSuccessfully)
        {
            var taken = task.Result;
            Volatile.Write(ref snapshot, taken);
            lastSnapshotBytes = new FileInfo(taken.Path).Length;
        }
        else if (!task.IsCanceled && task.Exception?.GetBaseException() is not OperationCanceledException)
        {
            // Back off for a whole interval so a persistent failure (a full disk) is not retried on every entry.
            retryIndex = working.Index + snapshotInterval;
            LogSnapshotFailed(task.Exception?.GetBaseException());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot taken at index {Index} ({Keys} keys, {Bytes} bytes) in {Milliseconds} ms")]
    private partial void LogSnapshotTaken(long index, long keys, long bytes, long milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Snapshot failed; will try again after another interval of entries")]
    private partial void LogSnapshotFailed(Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reads still in progress 10 s after the state machine closed; its keys and values are left to the process instead of being freed")]
    private partial void LogReadersOutstanding();

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored snapshot at index {Index} ({Keys} keys) in {Milliseconds} ms")]
    private partial void LogRestored(long index, long keys, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Installing a snapshot from the leader at index {Index}")]
    private partial void LogInstalling(long index);

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed snapshot from the leader at index {Index} ({Keys} keys) in {Milliseconds} ms")]
    private partial void LogInstalled(long index, long keys, long milliseconds);
}
