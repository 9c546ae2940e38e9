using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Quorum.Store.Storage;

namespace Quorum.Store.Raft;

/// <summary>
/// DotNext's write-ahead log, changed so that a follower's acknowledgement means "on my disk".
/// </summary>
/// <remarks>
/// In DotNext 6.12 a follower handles AppendEntries by appending the entries (to memory) and then
/// committing up to the leader's commit index, which flushes only the entries up to that index. So
/// the follower acknowledges new entries before they reach its disk, and a write the leader
/// acknowledges is durable on the leader alone until the next round. Quorum promises that an
/// acknowledged write is durable on a majority, so this log re-implements the one interface method
/// the follower path calls (the batch append) to flush the appended entries before it returns.
/// The leader's own copy is flushed by the log before it commits. Follower appends are serialized by
/// the cluster, so the flush never runs concurrently with itself.
/// <para>
/// The same method refuses entries while the data directory's disk is below its reserve (see
/// <see cref="DiskSpaceGuard"/>): writing them would kill the process. The leader sees the append
/// fail, as if this follower were unreachable, and sends the entries again on its next round; a
/// majority with room goes on committing without this node.
/// </para>
/// </remarks>
/// <param name="options">The log's options.</param>
/// <param name="stateMachine">The state machine the log applies committed entries to.</param>
/// <param name="diskSpace">The guard of the data directory's free space, or <see langword="null"/> for none.</param>
internal sealed class DurableWriteAheadLog(WriteAheadLog.Options options, IStateMachine stateMachine, DiskSpaceGuard? diskSpace = null)
    : WriteAheadLog(options, stateMachine), IAuditTrail<IRaftLogEntry>
{
    /// <summary>
    /// The name of a test-only environment variable: set to 1, a follower acknowledges before it
    /// flushes, as plain DotNext does, so that the crash tests can show this class is what keeps
    /// acknowledged writes (tests/Quorum.IntegrationTests/LoseUnsyncedTests). Never set it in production.
    /// </summary>
    internal const string UnsafeAckBeforeFlushVariable = "QUORUM_TEST_UNSAFE_ACK_BEFORE_FLUSH";

    /// <summary>Gets a value indicating whether <see cref="UnsafeAckBeforeFlushVariable"/> is set.</summary>
    internal static readonly bool AckBeforeFlush = Environment.GetEnvironmentVariable(UnsafeAckBeforeFlushVariable) == "1";

    /// <inheritdoc/>
    async ValueTask IAuditTrail<IRaftLogEntry>.AppendAsync<TEntry>(ILogEntryProducer<TEntry> entries, long startIndex, bool skipCommitted, CancellationToken token)
    {
        var hadEntries = entries.RemainingCount > 0L;
        if (hadEntries && diskSpace is { HasRoom: false } full)
            throw new InsufficientStorageException(full.Describe(full.AvailableBytes));

        await AppendAsync(entries, startIndex, skipCommitted, token);
        if (hadEntries && !AckBeforeFlush)
            await FlushAsync(token);
    }
}
