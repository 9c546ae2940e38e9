using DotNext.Net.Cluster.Consensus.Raft;
using Quorum.Store.Commands;
using Quorum.Store.Metrics;
using Quorum.Store.Raft;
using Quorum.Store.Storage;
using DotNextNotLeaderException = DotNext.Net.Cluster.Consensus.Raft.NotLeaderException;

namespace Quorum.Store.Replication;

/// <summary>
/// Gets commands into the Raft log, many to an entry (group commit).
/// </summary>
/// <remarks>
/// While no entry is being replicated, a command goes straight into one of its own: a lone client
/// pays nothing for batching. While entries are in flight, commands wait in a queue, and the next
/// entry carries every command waiting when a slot frees up, after waiting briefly, under load, for
/// the writers of the entry just committed to come back with their next commands. Each entry costs
/// the log, the replication, every follower's flush and the apply once, whatever the number of
/// commands in it.
/// An entry never holds two commands on the same key, so a key's revision (the entry's index)
/// still names one version of it.
/// </remarks>
/// <param name="raft">The Raft node host.</param>
/// <param name="options">The store's options (the write timeout).</param>
/// <param name="metrics">Counts proposals committed, failed and pending.</param>
internal sealed class Proposer(RaftNodeHost raft, StoreOptions options, StoreMetrics metrics)
{
    private const int MaxCommandsPerEntry = 512;
    private const long MaxBytesPerEntry = 4L * 1024 * 1024;
    private const int MaxGatherBackoff = 64;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(5);
    private const string Superseded = "Leadership moved before the write was committed; it was not applied. Retry.";

    private readonly Lock gate = new();
    private readonly LinkedList<PendingCommand> queue = new();
    private int inFlight;
    private volatile bool closed;
    private TaskCompletionSource? gathered;
    private int gatherTarget;
    private int gatherSkips;
    private int gatherBackoff = 1;

    // How many entries may be in replication at once. One, measured: a second entry in flight
    // splits the batch and costs more in per-entry work than it gains in overlap (64 clients:
    // ~25k writes/s with one, ~18-23k with two, ~15k with four).
    private const int MaxEntriesInFlight = 1;

    // How long the next entry may wait for the writers just answered to come back (StoreOptions.GroupCommitWait).
    private readonly TimeSpan groupCommitWait = options.GroupCommitWait;

    /// <summary>Proposes a command and waits until it is committed and applied.</summary>
    /// <param name="command">The command.</param>
    /// <param name="token">Cancels waiting (the command may still be applied).</param>
    /// <returns>What applying it did.</returns>
    /// <exception cref="UnavailableException">This node does not lead, or leadership moved before the command was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    /// <exception cref="InsufficientStorageException">The data directory's disk is below its reserve; the command never reached the log.</exception>
    public async Task<CommandOutcome> ProposeAsync(Command command, CancellationToken token)
    {
        // Before the command is queued: a refused command has touched nothing, so the caller may be told so (507).
        raft.DiskSpace.Admit(SizeOf(command));
        metrics.ProposalsPending.Add(1);
        try
        {
            var outcome = await ProposeCountedAsync(command, token);
            metrics.ProposalsCommitted.Add(1);
            return outcome;
        }
        catch
        {
            metrics.ProposalsFailed.Add(1);
            throw;
        }
        finally
        {
            metrics.ProposalsPending.Add(-1);
        }
    }

    /// <summary>Refuses every later proposal with <see cref="UnavailableException"/> (503): this node is about to stop.</summary>
    public void Close() => closed = true;

    /// <summary>Waits until no proposal is queued or being replicated, or until <paramref name="timeout"/> has passed.</summary>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when the proposer is idle or the time is up.</returns>
    public async Task WaitIdleAsync(TimeSpan timeout, CancellationToken token)
    {
        // Polled: this runs once, at a planned stop, and a proposal's completion has no event to
        // wait on that would not cost every write something.
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            lock (gate)
            {
                if (inFlight == 0 && queue.Count == 0)
                    return;
            }

            await Task.Delay(IdlePoll, token);
        }
    }

    private async Task<CommandOutcome> ProposeCountedAsync(Command command, CancellationToken token)
    {
        if (closed)
            throw new UnavailableException("This node is stopping and takes no new writes. Retry on another member.");

        var pending = new PendingCommand(command, token);
        List<PendingCommand>? batch = null;
        lock (gate)
        {
            if (inFlight < MaxEntriesInFlight)
            {
                inFlight++;
                batch = [pending];
            }
            else
            {
                queue.AddLast(pending);
                if (gathered is not null && queue.Count >= gatherTarget)
                {
                    gathered.TrySetResult();
                    gathered = null;
                }
            }
        }

        if (batch is not null)
            await ReplicateThenContinueAsync(batch);

        return await pending.Completion.Task.WaitAsync(token);
    }

    // What two commands in one entry may not share: a key (read or written), or a member. Two writes
    // to one key in one entry would give two versions the same revision, and a conditional write
    // could then match a version that was already overwritten.
    private static IEnumerable<object> ConflictKeys(Command command)
    {
        switch (command)
        {
            case PutCommand put:
                yield return put.Key;
                break;
            case DeleteCommand delete:
                yield return delete.Key;
                break;
            case ExpireCommand expire:
                yield return expire.Key;
                break;
            case TxnCommand txn:
                foreach (var compare in txn.Compares)
                    yield return compare.Key;
                foreach (var step in txn.Success.Concat(txn.Failure))
                    yield return step.Key;
                break;
            case SetMemberCommand member:
                yield return "member:" + member.Member.Id;
                break;
            case RemoveMemberCommand member:
                yield return "member:" + member.Id;
                break;
            default:
                yield return command;
                break;
        }
    }

    private static long SizeOf(Command command) => command switch
    {
        PutCommand put => put.Key.Length + put.Value.Length + 16,
        DeleteCommand delete => delete.Key.Length + 16,
        ExpireCommand expire => expire.Key.Length + 16,
        TxnCommand txn => txn.Compares.Sum(static c => c.Key.Length + (c.Value?.Length ?? 0) + 16)
            + txn.Success.Concat(txn.Failure).Sum(static s => s.Key.Length + (s.Value?.Length ?? 0) + 32),
        _ => 256,
    };

    private async Task ReplicateThenContinueAsync(List<PendingCommand> batch)
    {
        IReadOnlyList<CommandOutcome>? outcomes = null;
        Exception? failure = null;
        try
        {
            outcomes = await ReplicateAsync(batch.ConvertAll(static p => p.Command));
        }
        catch (Exception e)
        {
            failure = e;
        }

        // Without a gather, start the next entry before answering this one's callers: answering runs
        // their continuations (writing HTTP responses) on this thread, which need not hold up replication.
        TaskCompletionSource? gather = null;
        List<PendingCommand>? next = null;
        lock (gate)
        {
            if (ShouldGather(succeeded: outcomes is not null, batch.Count))
            {
                gather = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                gathered = gather;
            }
            else if (queue.Count == 0)
                inFlight--;
            else
                next = TakeBatch();
        }

        if (next is not null)
            _ = Task.Run(() => ReplicateThenContinueAsync(next));

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes is not null)
                batch[i].Completion.TrySetResult(outcomes[i]);
            else
                batch[i].Completion.TrySetException(failure!);
        }

        if (gather is not null)
            await GatherThenContinueAsync(gather);
    }

    // Called under the gate, when an entry has committed: whether the next entry should wait for
    // the writers just answered. Under load the same writers come straight back; an entry that
    // waits for them carries twice as many commands instead of two entries carrying half as many
    // each, and each entry costs every node a disk flush and a round of messages. A lone writer
    // never waits, and when writers stop coming back (a gather runs out of time) gathering backs
    // off, so writers that do not come back in a loop do not pay for it.
    private bool ShouldGather(bool succeeded, int answered)
    {
        var expected = answered + queue.Count;
        gatherTarget = expected - (expected / 8);
        if (!succeeded || groupCommitWait <= TimeSpan.Zero || expected < 2 || queue.Count >= gatherTarget)
            return false;

        if (gatherSkips > 0)
        {
            gatherSkips--;
            return false;
        }

        return true;
    }

    private async Task GatherThenContinueAsync(TaskCompletionSource gather)
    {
        using (var timeout = new CancellationTokenSource(groupCommitWait))
        using (timeout.Token.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), gather))
            await gather.Task;

        List<PendingCommand>? next = null;
        lock (gate)
        {
            if (ReferenceEquals(gathered, gather))
            {
                // Ran out of time: back off.
                gathered = null;
                gatherSkips = gatherBackoff;
                gatherBackoff = Math.Min(gatherBackoff * 2, MaxGatherBackoff);
            }
            else
            {
                gatherBackoff = 1;
            }

            if (queue.Count == 0)
                inFlight--;
            else
                next = TakeBatch();
        }

        if (next is not null)
            _ = ReplicateThenContinueAsync(next);
    }

    // Called under the gate: the longest run of waiting commands that fits in an entry, skipping
    // commands whose callers gave up and leaving commands on a key already taken for the next entry.
    private List<PendingCommand> TakeBatch()
    {
        var batch = new List<PendingCommand>();
        var keys = new HashSet<object>(ConflictKeyComparer.Instance);
        long bytes = 0;
        for (var node = queue.First; node is not null && batch.Count < MaxCommandsPerEntry;)
        {
            var next = node.Next;
            var pending = node.Value;
            if (pending.Token.IsCancellationRequested)
            {
                queue.Remove(node);
                pending.Completion.TrySetCanceled(pending.Token);
            }
            else if (batch.Count == 0 || (bytes + SizeOf(pending.Command) <= MaxBytesPerEntry && !ConflictKeys(pending.Command).Any(keys.Contains)))
            {
                keys.UnionWith(ConflictKeys(pending.Command));
                queue.Remove(node);
                batch.Add(pending);
                bytes += SizeOf(pending.Command);
            }

            node = next;
        }

        return batch;
    }

    private async Task<IReadOnlyList<CommandOutcome>> ReplicateAsync(IReadOnlyList<Command> commands)
    {
        var node = raft.Current;

        // The token first, then the term of that leadership, then the token again: if leadership
        // ended in between, the entry never reaches the log under a term that is not its leader's.
        var leadership = await node.AcquireLeadershipAsync(CancellationToken.None);
        var term = node.LeaderTerm;
        if (leadership.IsCancellationRequested)
            throw node.NotLeader();

        var proposal = new Proposal(term, commands);
        var entry = new BinaryLogEntry { Content = CommandCodec.Encode(commands), Term = term, Context = proposal };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(leadership);
        timeout.CancelAfter(options.WriteTimeout);
        try
        {
            await node.Cluster.ReplicateAsync(entry, timeout.Token);
        }
        catch (Exception e) when (RaftNode.IsFailure(e) || DiskSpaceGuard.IsDiskFull(e))
        {
            // The entry was handed to the log, so it may be there (and be committed) even though the
            // call failed: unknown (504), never "refused" (507), even when the disk is full.
            if (DiskSpaceGuard.IsDiskFull(e))
                raft.DiskSpace.Invalidate();
            return proposal.Outcomes ?? throw new WriteOutcomeUnknownException(
                DiskSpaceGuard.IsDiskFull(e)
                    ? $"The disk of data directory {raft.DiskSpace.Path} filled up while the write was being logged ({e.Message}); the write may or may not have been applied. Free space on that disk."
                    : "This node's Raft stack failed while the write was in flight and is restarting; the write may or may not have been applied.",
                e);
        }
        catch (Exception e) when (e is OperationCanceledException or DotNextNotLeaderException)
        {
            if (proposal.Outcomes is { } applied)
                return applied;
            if (proposal.IsSuperseded)
                throw new UnavailableException(Superseded, e);

            throw new WriteOutcomeUnknownException(
                leadership.IsCancellationRequested
                    ? "Leadership moved while the write was in flight; it may or may not have been applied."
                    : $"The write was not confirmed by a quorum within {options.WriteTimeout.TotalSeconds:0.###}s; it may or may not have been applied.",
                e);
        }

        return proposal.Outcomes ?? throw (proposal.IsSuperseded
            ? new UnavailableException(Superseded)
            : new WriteOutcomeUnknownException("The write's commit was reported but its result was not; it may or may not have been applied."));
    }

    /// <summary>Compares keys (byte arrays) by content and anything else as usual.</summary>
    private sealed class ConflictKeyComparer : IEqualityComparer<object>
    {
        public static readonly ConflictKeyComparer Instance = new();

        public new bool Equals(object? x, object? y)
            => x is byte[] a && y is byte[] b ? a.AsSpan().SequenceEqual(b) : object.Equals(x, y);

        public int GetHashCode(object obj)
        {
            if (obj is not byte[] bytes)
                return obj.GetHashCode();

            var hash = default(HashCode);
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }

    /// <summary>A command waiting for its entry, and its caller's answer.</summary>
    /// <param name="command">The command.</param>
    /// <param name="token">The caller's token: a command whose caller gave up before it was batched is dropped.</param>
    private sealed class PendingCommand(Command command, CancellationToken token)
    {
        public Command Command => command;

        public CancellationToken Token => token;

        // Completed on the replicating thread, which runs the caller's continuation there and then:
        // one thread answering a whole entry's callers beats a thread-pool hop per caller on few cores.
        public TaskCompletionSource<CommandOutcome> Completion { get; } = new();
    }
}
