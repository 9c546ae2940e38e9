using System.Buffers.Binary;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.Store.Commands;
using Quorum.Store.Raft;
using Quorum.Store.StateMachine;

namespace Quorum.Store.Tests;

/// <summary>
/// A follower appends the leader's entries through <see cref="IAuditTrail{TEntry}.AppendAsync{TEntryImpl}(ILogEntryProducer{TEntryImpl}, long, bool, CancellationToken)"/>
/// and acknowledges when it returns. These tests read the log's checkpoint file (which the log
/// rewrites, with the last flushed index, after every flush) to see what is on disk at that moment.
/// </summary>
public sealed class DurableWriteAheadLogTests
{
    private static readonly IReadOnlyList<BinaryLogEntry> Entries =
    [
        .. Enumerable.Range(0, 3).Select(i => new BinaryLogEntry { Content = CommandCodec.Encode([new PutCommand([(byte)i], [1])]), Term = 1 }),
    ];

    private static long FlushedLastIndex(string walPath)
    {
        using var stream = new FileStream(Path.Combine(walPath, "checkpoint"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[20];
        var read = stream.Read(buffer);
        return read == 20 ? BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(12)) : 0;
    }

    private static async Task<long> AppendLikeAFollowerAsync(Func<WriteAheadLog.Options, IStateMachine, WriteAheadLog> create)
    {
        using var temp = new TempDirectory();
        await using var machine = new KeyValueStateMachine(temp.Combine("snapshots"), 1000, NullLogger.Instance);
        await using var log = create(new WriteAheadLog.Options { Location = temp.Combine("wal") }, machine);
        await ((IAuditTrail<IRaftLogEntry>)log).AppendAsync(new LogEntryProducer<BinaryLogEntry>(Entries), startIndex: 1, skipCommitted: true, CancellationToken.None);
        return FlushedLastIndex(temp.Combine("wal"));
    }

    [Fact]
    public async Task DotNexts_log_returns_from_a_follower_append_before_the_entries_are_on_disk()
    {
        // The behaviour this project works around: acknowledged, but only in memory.
        Assert.Equal(0, await AppendLikeAFollowerAsync((options, machine) => new WriteAheadLog(options, machine)));
    }

    [Fact]
    public async Task The_durable_log_returns_from_a_follower_append_only_once_the_entries_are_on_disk()
    {
        Assert.Equal(3, await AppendLikeAFollowerAsync((options, machine) => new DurableWriteAheadLog(options, machine)));
    }
}
