using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace Quorum.Store.Tests;

/// <summary>
/// Reproduces a race in DotNext 6.12's write-ahead log that the fault-injection suite found: the
/// background flusher reads the snapshot index before it takes its read lock, and after it gets
/// the lock re-reads the last entry index but not the snapshot index. A snapshot installed in
/// between moves the last entry index past entries that were never written; the flusher asks for
/// their metadata pages, gets MissingPageException, and the log fails for good (the node's Raft
/// cluster becomes a zombie). Still present in 6.12.2 (2026-12-07): this test passes against it,
/// so <c>RaftNodeHost</c>'s restart-from-disk stays.
/// </summary>
public sealed class DotNextSnapshotInstallRaceTests
{
    [Fact]
    public async Task A_snapshot_installed_while_the_flusher_holds_an_old_snapshot_index_breaks_the_log()
    {
        using var temp = new TempDirectory();
        var machine = new RacingStateMachine();
        await using var log = new WriteAheadLog(new WriteAheadLog.Options { Location = temp.Path }, machine);
        machine.Log = log;

        // Five entries on disk, three committed; committing two more gives the flusher work.
        for (var i = 0; i < 5; i++)
            await log.AppendAsync(new BinaryLogEntry { Content = new byte[] { 1 }, Term = 1 });
        await log.CommitAsync(3);
        await log.FlushAsync();
        machine.Arm();
        await log.CommitAsync(5);

        // The flusher has read the old snapshot index (and is held right there, before it reads the
        // commit index or takes its lock). Now the leader's snapshot at index 1000, on a metadata
        // page never written, is installed. Only then does the flusher go on: it reads the new
        // commit index next to its old snapshot index. Releasing it from inside the install raced
        // the install's own update of the commit index and, once in a CI run, lost.
        await machine.FlusherHoldsOldIndex.WaitAsync(TimeSpan.FromSeconds(10));
        await log.AppendAsync(new SnapshotEntry(Term: 1), startIndex: 1000);
        Assert.Equal(1000, log.LastCommittedEntryIndex);
        machine.ReleaseFlusher();

        var failure = await WaitForFailureAsync(log);
        Assert.True(failure.InnerException is WriteAheadLog.MissingPageException, $"the log failed, but with {failure.InnerException}");
    }

    private static async Task<WriteAheadLog.InternalException> WaitForFailureAsync(WriteAheadLog log)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                await log.WaitForApplyAsync(0);
            }
            catch (WriteAheadLog.InternalException e)
            {
                return e;
            }

            Assert.True(DateTime.UtcNow < deadline, "the log should have failed");
            await Task.Delay(10);
        }
    }

    /// <summary>A snapshot entry as the leader sends it; its content does not matter here.</summary>
    private readonly record struct SnapshotEntry(long Term) : IRaftLogEntry
    {
        bool DotNext.IO.Log.ILogEntry.IsSnapshot => true;

        bool IDataTransferObject.IsReusable => true;

        long? IDataTransferObject.Length => 0;

        ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token) => ValueTask.CompletedTask;
    }

    /// <summary>A state machine that holds the flusher just after it has read the snapshot index, until the test lets it go.</summary>
    private sealed class RacingStateMachine : IStateMachine
    {
        private readonly TaskCompletionSource flusherHoldsOldIndex = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim releaseFlusher = new();
        private volatile bool armed;
        private InstalledSnapshot? snapshot;

        public WriteAheadLog? Log { get; set; }

        public Task FlusherHoldsOldIndex => flusherHoldsOldIndex.Task;

        ISnapshot? ISnapshotManager.Snapshot
        {
            get
            {
                var current = snapshot;
                if (armed && IsFlusher())
                {
                    armed = false;
                    flusherHoldsOldIndex.TrySetResult();
                    if (!releaseFlusher.Wait(TimeSpan.FromSeconds(10)))
                        throw new TimeoutException("the test never released the flusher");
                }

                return current;
            }
        }

        public void Arm() => armed = true;

        public void ReleaseFlusher() => releaseFlusher.Set();

        ValueTask<long> IStateMachine.ApplyAsync(LogEntry entry, CancellationToken token)
        {
            if (entry.IsSnapshot)
                snapshot = new InstalledSnapshot(entry.Index, entry.Term);

            return ValueTask.FromResult(entry.Index);
        }

        ValueTask ISnapshotManager.ReclaimGarbageAsync(long watermark, CancellationToken token) => ValueTask.CompletedTask;

        private static bool IsFlusher()
            => new System.Diagnostics.StackTrace().GetFrames().Any(f => f.GetMethod()?.DeclaringType?.Name.Contains("FlushAsync", StringComparison.Ordinal) == true);
    }

    private sealed record InstalledSnapshot(long Index, long Term) : ISnapshot
    {
        bool IDataTransferObject.IsReusable => true;

        long? IDataTransferObject.Length => 0;

        ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token) => ValueTask.CompletedTask;
    }
}
