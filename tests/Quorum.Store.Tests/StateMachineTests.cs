using System.Text;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.Store.Commands;
using Quorum.Store.StateMachine;

namespace Quorum.Store.Tests;

/// <summary>The state machine driven by DotNext's real write-ahead log on a real disk, without a cluster.</summary>
public sealed class StateMachineTests
{
    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"k{i}");

    /// <summary>Opens a state machine under a real write-ahead log in <paramref name="temp"/>.</summary>
    internal static async Task<(KeyValueStateMachine Machine, WriteAheadLog Log)> OpenAsync(TempDirectory temp, long snapshotInterval, long snapshotLogBytes = long.MaxValue, long historyChanges = StoreOptions.DefaultWatchHistoryChanges)
    {
        var machine = new KeyValueStateMachine(temp.Combine("snapshots"), snapshotInterval, NullLogger.Instance) { SnapshotsEnabled = true, SnapshotLogBytes = snapshotLogBytes, WatchHistoryChanges = historyChanges };
        await machine.RestoreAsync(CancellationToken.None);
        var log = new WriteAheadLog(new WriteAheadLog.Options { Location = temp.Combine("wal"), ChunkSize = 64 * 1024 }, machine);
        await log.InitializeAsync();
        return (machine, log);
    }

    /// <summary>Appends one entry of <paramref name="commands"/>, commits it and waits until it is applied.</summary>
    internal static async Task<long> AppendAndApplyAsync(WriteAheadLog log, params Command[] commands)
    {
        var index = await log.AppendAsync(new BinaryLogEntry { Content = CommandCodec.Encode(commands), Term = 1 });
        await log.CommitAsync(index);
        await log.WaitForApplyAsync(index);
        return index;
    }

    [Fact]
    public async Task Applied_entries_set_and_delete_keys_with_the_log_index_as_revision()
    {
        using var temp = new TempDirectory();
        var (machine, log) = await OpenAsync(temp, 1000);
        await using (machine)
        await using (log)
        {
            var first = await AppendAndApplyAsync(log, new PutCommand(Key(1), [1]), new PutCommand(Key(2), [2]));
            var second = await AppendAndApplyAsync(log, new DeleteCommand(Key(1)), new PutCommand(Key(2), [22]));

            var state = machine.State;
            Assert.Equal(second, state.Index);
            Assert.False(state.Keys.TryGetValue(Key(1), out _));
            Assert.True(state.Keys.TryGetValue(Key(2), out var record, out var value));
            Assert.Equal(new byte[] { 22 }, value.ToArray());
            Assert.Equal(second, record.Revision);
            Assert.True(second > first);
        }
    }

    [Fact]
    public async Task A_proposal_gets_its_outcome_and_one_from_another_term_is_superseded()
    {
        using var temp = new TempDirectory();
        var (machine, log) = await OpenAsync(temp, 1000);
        await using (machine)
        await using (log)
        {
            var mine = new Proposal(1, [new PutCommand(Key(1), [1])]);
            var index = await log.AppendAsync(new BinaryLogEntry { Content = CommandCodec.Encode(mine.Commands), Term = 1, Context = mine });
            var stale = new Proposal(0, [new PutCommand(Key(2), [2])]);
            var other = await log.AppendAsync(new BinaryLogEntry { Content = CommandCodec.Encode(stale.Commands), Term = 1, Context = stale });
            await log.CommitAsync(other);
            await log.WaitForApplyAsync(other);

            Assert.Equal(index, Assert.Single(mine.Outcomes!).Revision);
            Assert.Null(stale.Outcomes);
            Assert.True(stale.IsSuperseded);
        }
    }

    [Fact]
    public async Task Snapshots_are_taken_every_interval_and_a_restart_restores_the_same_state()
    {
        using var temp = new TempDirectory();
        var (machine, log) = await OpenAsync(temp, 10);
        long lastIndex;
        await using (machine)
        await using (log)
        {
            for (var i = 0; i < 25; i++)
                await AppendAndApplyAsync(log, new PutCommand(Key(i % 7), Encoding.UTF8.GetBytes($"v{i}")));

            await machine.WaitForPendingSnapshotAsync();
            lastIndex = await AppendAndApplyAsync(log, new DeleteCommand(Key(3)));
            Assert.True(machine.SnapshotIndex >= 10, $"snapshot index {machine.SnapshotIndex}");
            Assert.NotEmpty(Directory.GetFiles(temp.Combine("snapshots"), "*.snap"));
        }

        var (reopened, reopenedLog) = await OpenAsync(temp, 10);
        await using (reopened)
        await using (reopenedLog)
        {
            var state = reopened.State;
            Assert.Equal(lastIndex, state.Index);
            Assert.Equal(6, state.Keys.Count);
            Assert.False(state.Keys.TryGetValue(Key(3), out _));
            Assert.True(state.Keys.TryGetValue(Key(23 % 7), out _, out var value));
            Assert.Equal("v23", Encoding.UTF8.GetString(value));
        }
    }

    [Fact]
    public async Task A_snapshot_is_also_taken_when_the_log_since_the_last_one_passes_its_size_limit()
    {
        using var temp = new TempDirectory();
        // Without a watch history, whose changes would count in the snapshot's size.
        var (machine, log) = await OpenAsync(temp, snapshotInterval: 1000, snapshotLogBytes: 10_000, historyChanges: 0);
        await using (machine)
        await using (log)
        {
            var value = new byte[4_000];
            await AppendAndApplyAsync(log, new PutCommand(Key(1), value));
            await AppendAndApplyAsync(log, new PutCommand(Key(2), value));
            await machine.WaitForPendingSnapshotAsync();
            Assert.Equal(0, machine.SnapshotIndex); // 8,000 bytes: not yet

            var third = await AppendAndApplyAsync(log, new PutCommand(Key(3), value));
            await machine.WaitForPendingSnapshotAsync();
            await AppendAndApplyAsync(log, new PutCommand(Key(4), [4])); // a completed snapshot is published at the next apply
            Assert.Equal(third, machine.SnapshotIndex);

            // The count starts again after a snapshot: two more big entries are not enough.
            await AppendAndApplyAsync(log, new PutCommand(Key(5), value));
            await AppendAndApplyAsync(log, new PutCommand(Key(6), value));
            await machine.WaitForPendingSnapshotAsync();
            await AppendAndApplyAsync(log, new PutCommand(Key(7), [7]));
            Assert.Equal(third, machine.SnapshotIndex);
        }
    }

    [Fact]
    public async Task Once_the_state_outgrows_the_log_size_limit_snapshots_wait_for_as_many_log_bytes_as_the_last_snapshot_had()
    {
        using var temp = new TempDirectory();
        // Without a watch history, whose changes would count in the snapshot's size.
        var (machine, log) = await OpenAsync(temp, snapshotInterval: 1000, snapshotLogBytes: 10_000, historyChanges: 0);
        await using (machine)
        await using (log)
        {
            var value = new byte[4_000];
            var first = await AppendAndApplyAsync(log, [.. Enumerable.Range(0, 10).Select(i => new PutCommand(Key(i), value))]);
            await machine.WaitForPendingSnapshotAsync();
            await AppendAndApplyAsync(log, new PutCommand(Key(1), value)); // publishes the snapshot of ~40 KB
            Assert.Equal(first, machine.SnapshotIndex);

            // 4 KB per entry: 36 KB of log is past the 10 KB limit but short of the last snapshot's size.
            for (var i = 0; i < 8; i++)
                await AppendAndApplyAsync(log, new PutCommand(Key(1), value));
            await machine.WaitForPendingSnapshotAsync();
            await AppendAndApplyAsync(log, new PutCommand(Key(2), [2]));
            Assert.Equal(first, machine.SnapshotIndex);

            long last = 0;
            for (var i = 0; i < 3; i++)
                last = await AppendAndApplyAsync(log, new PutCommand(Key(1), value));
            await machine.WaitForPendingSnapshotAsync();
            await AppendAndApplyAsync(log, new PutCommand(Key(2), [2]));
            Assert.InRange(machine.SnapshotIndex, first + 1, last);
        }
    }

    [Fact]
    public async Task A_damaged_snapshot_stops_the_restore()
    {
        using var temp = new TempDirectory();
        var (machine, log) = await OpenAsync(temp, 5);
        await using (machine)
        await using (log)
        {
            for (var i = 0; i < 6; i++)
                await AppendAndApplyAsync(log, new PutCommand(Key(i), [(byte)i]));
            await machine.WaitForPendingSnapshotAsync();
        }

        var snapshot = Directory.GetFiles(temp.Combine("snapshots"), "*.snap").Single();
        var bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(snapshot, bytes);

        await using var damaged = new KeyValueStateMachine(temp.Combine("snapshots"), 5, NullLogger.Instance);
        var error = await Assert.ThrowsAsync<DataDirectoryException>(async () => await damaged.RestoreAsync(CancellationToken.None));
        Assert.Contains("damaged", error.Message);
    }
}
