using System.Buffers.Binary;
using System.Text;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Quorum.Store.Commands;
using Quorum.Store.Native;
using Quorum.Store.StateMachine;

namespace Quorum.Store.Tests;

/// <summary>Keys and values in native memory: freed once no reader can see them, and never before.</summary>
[Collection(CpuHeavyTests.Name)]
public sealed class EntryReclaimerTests
{
    [Fact]
    public void An_entry_retired_while_a_reader_is_in_stays_until_the_reader_leaves()
    {
        var reclaimer = new EntryReclaimer();
        var entry = KeyWithPayload.Create("key"u8, "value"u8);
        var read = reclaimer.Enter();
        reclaimer.Retire(entry);
        for (var i = 0; i < 5; i++)
            reclaimer.Reclaim();

        Assert.Equal(0, reclaimer.Freed);
        Assert.Equal("value", Encoding.UTF8.GetString(entry.Payload));

        read.Dispose();
        reclaimer.Reclaim();
        Assert.Equal(1, reclaimer.Freed);
        Assert.Equal(0, reclaimer.Pending);
    }

    [Fact]
    public void A_reader_that_entered_after_the_retirement_does_not_hold_it_back()
    {
        var reclaimer = new EntryReclaimer();
        reclaimer.Retire(KeyWithPayload.Create("key"u8, "value"u8));
        reclaimer.Reclaim();

        using var later = reclaimer.Enter();
        reclaimer.Reclaim();
        Assert.Equal(1, reclaimer.Freed);
    }

    [Fact]
    public async Task Overwritten_and_deleted_values_are_freed_and_the_live_ones_kept()
    {
        using var temp = new TempDirectory();
        var (machine, log) = await OpenAsync(temp);
        await using (machine)
        await using (log)
        {
            for (var i = 0; i < 200; i++)
                await AppendAndApplyAsync(log, new PutCommand(Key(i % 10), Value(i, 64)));
            await AppendAndApplyAsync(log, new DeleteCommand(Key(0)));
            await AppendAndApplyAsync(log, new PutCommand(Key(99), Value(7, 64)));

            // 200 puts over 10 keys replace 190 entries; the delete drops one more. At most the
            // last two entries' worth waits for the next epoch.
            Assert.InRange(machine.Reclaimer.Freed, 190 - 2, 191);
            Assert.Equal(191, machine.Reclaimer.Freed + machine.Reclaimer.Pending);

            using var read = machine.EnterRead();
            Assert.True(machine.State.Keys.TryGetValue(Key(9), out _, out var payload));
            Assert.Equal(Value(199, 64), payload.ToArray());
            Assert.False(machine.State.Keys.TryGetValue(Key(0), out _));
        }
    }

    [Fact]
    public async Task Readers_racing_overwrites_only_ever_see_whole_values()
    {
        using var temp = new TempDirectory();
        var (machine, log) = await OpenAsync(temp);
        await using (machine)
        await using (log)
        {
            const int Keys = 4;
            for (var k = 0; k < Keys; k++)
                await AppendAndApplyAsync(log, new PutCommand(Key(k), Value(k, 200)));

            using var done = new CancellationTokenSource();
            var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
            {
                var reads = 0L;
                var buffer = new byte[256];
                while (!done.IsCancellationRequested)
                {
                    for (var k = 0; k < Keys; k++)
                    {
                        int length;
                        using (machine.EnterRead())
                        {
                            Assert.True(machine.State.Keys.TryGetValue(Key(k), out _, out var payload));
                            length = payload.Length;
                            payload.CopyTo(buffer);
                        }

                        Assert.Equal(200, length);
                        Assert.True(IsWhole(buffer.AsSpan(0, length)), $"key {k} read as {Convert.ToHexString(buffer, 0, 16)}...");
                        reads++;
                    }
                }

                return reads;
            })).ToList();

            // Every entry overwrites every key, so every entry frees the previous entry's values.
            for (var i = 0; i < 1500; i++)
                await AppendAndApplyAsync(log, Enumerable.Range(0, Keys).Select(k => (Command)new PutCommand(Key(k), Value((i * Keys) + k, 200))).ToArray());

            await done.CancelAsync();
            var counts = await Task.WhenAll(readers);
            Assert.All(counts, c => Assert.True(c > 0));
            Assert.True(machine.Reclaimer.Freed >= 1400 * Keys, $"only {machine.Reclaimer.Freed} entries freed");
        }
    }

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"k{i}");

    // A value that names itself: its number, then a byte derived from the number repeated.
    private static byte[] Value(int n, int length)
    {
        var value = new byte[length];
        BinaryPrimitives.WriteInt32LittleEndian(value, n);
        value.AsSpan(sizeof(int)).Fill((byte)((n * 31) + 7));
        return value;
    }

    private static bool IsWhole(ReadOnlySpan<byte> value)
    {
        var n = BinaryPrimitives.ReadInt32LittleEndian(value);
        return !value[sizeof(int)..].ContainsAnyExcept((byte)((n * 31) + 7));
    }

    private static Task<(KeyValueStateMachine Machine, WriteAheadLog Log)> OpenAsync(TempDirectory temp)
        => StateMachineTests.OpenAsync(temp, snapshotInterval: 1_000_000);

    private static Task<long> AppendAndApplyAsync(WriteAheadLog log, params Command[] commands)
        => StateMachineTests.AppendAndApplyAsync(log, commands);
}
