using System.Text;
using Quorum.Store.Commands;
using Quorum.Store.State;

namespace Quorum.Store.Tests;

/// <summary>Preconditions are checked by the state machine when the write is applied.</summary>
public sealed class ConditionalWriteTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("config/db");

    private static (StoreState State, CommandOutcome Outcome) Apply(StoreState state, Command command, long index)
    {
        var outcomes = new CommandOutcome[1];
        var next = state.Apply([command], index, 1, outcomes);
        return (next, outcomes[0]);
    }

    [Fact]
    public void Create_only_applies_to_an_absent_key_and_a_second_create_fails_with_the_current_revision()
    {
        var (state, created) = Apply(StoreState.Empty, new PutCommand(Key, [1], Precondition.Absent), 5);
        Assert.True(created.Applied);

        var (after, second) = Apply(state, new PutCommand(Key, [2], Precondition.Absent), 6);

        Assert.False(second.Applied);
        Assert.Equal(5, second.CurrentRevision);
        var stored = after.Find(Key)!;
        Assert.Equal(new byte[] { 1 }, stored.Value.ToArray());
        Assert.Equal(5, stored.Revision);
        Assert.Null(after.History.From(6).FirstOrDefault());
    }

    [Fact]
    public void A_write_at_the_current_revision_applies_and_one_at_a_stale_revision_changes_nothing()
    {
        var (state, _) = Apply(StoreState.Empty, new PutCommand(Key, [1]), 5);
        var (updated, matched) = Apply(state, new PutCommand(Key, [2], Precondition.AtRevision(5)), 6);
        var (after, stale) = Apply(updated, new PutCommand(Key, [3], Precondition.AtRevision(5)), 7);

        Assert.True(matched.Applied);
        Assert.False(stale.Applied);
        Assert.Equal(6, stale.CurrentRevision);
        Assert.Equal(new byte[] { 2 }, after.Find(Key)!.Value.ToArray());
        Assert.Equal(6, after.Find(Key)!.Revision);
    }

    [Fact]
    public void A_conditional_delete_needs_the_current_revision_and_must_exist_fails_on_an_absent_key()
    {
        var (state, _) = Apply(StoreState.Empty, new PutCommand(Key, [1]), 5);
        var (kept, mismatch) = Apply(state, new DeleteCommand(Key, Precondition.AtRevision(4)), 6);
        var (deleted, match) = Apply(kept, new DeleteCommand(Key, Precondition.AtRevision(5)), 7);
        var (_, absent) = Apply(deleted, new PutCommand(Key, [9], Precondition.Exists), 8);

        Assert.False(mismatch.Applied);
        Assert.Equal(5, mismatch.CurrentRevision);
        Assert.NotNull(kept.Find(Key));
        Assert.True(match.Applied);
        Assert.Null(deleted.Find(Key));
        Assert.False(absent.Applied);
        Assert.Equal(0, absent.CurrentRevision);
    }

    [Fact]
    public void Conditional_leased_expiring_and_transaction_commands_round_trip_through_the_codec()
    {
        var lease = new KeyLease(30_000, 1_700_000_000_123);
        Command[] commands =
        [
            new PutCommand(Key, [1, 2], Precondition.AtRevision(77), lease),
            new PutCommand(Key, [3], Precondition.Absent),
            new DeleteCommand(Key, Precondition.Exists),
            new ExpireCommand(Key, 99),
            new TxnCommand(
                [new TxnCondition(Key, 0, null), new TxnCondition([7], null, [8, 9])],
                [new TxnStep(TxnOperationKind.Put, Key, [4], lease), new TxnStep(TxnOperationKind.Get, [7])],
                [new TxnStep(TxnOperationKind.Delete, [7])]),
        ];

        var decoded = CommandCodec.Decode(new System.Buffers.ReadOnlySequence<byte>(CommandCodec.Encode(commands)));

        // The records hold byte arrays, which they compare by reference: compare each field's content.
        Assert.Equal(commands.Length, decoded.Count);
        var put = Assert.IsType<PutCommand>(decoded[0]);
        Assert.Equal(Key, put.Key);
        Assert.Equal((byte[])[1, 2], put.Value);
        Assert.Equal(Precondition.AtRevision(77), put.Condition);
        Assert.Equal(lease, put.Lease);

        var create = Assert.IsType<PutCommand>(decoded[1]);
        Assert.Equal(Key, create.Key);
        Assert.Equal((byte[])[3], create.Value);
        Assert.Equal(Precondition.Absent, create.Condition);
        Assert.Null(create.Lease);

        var delete = Assert.IsType<DeleteCommand>(decoded[2]);
        Assert.Equal(Key, delete.Key);
        Assert.Equal(Precondition.Exists, delete.Condition);

        var expire = Assert.IsType<ExpireCommand>(decoded[3]);
        Assert.Equal(Key, expire.Key);
        Assert.Equal(99, expire.Revision);

        var txn = Assert.IsType<TxnCommand>(decoded[4]);
        Assert.Equal(2, txn.Compares.Count);
        Assert.Equal(Key, txn.Compares[0].Key);
        Assert.Equal(0, txn.Compares[0].Revision);
        Assert.Null(txn.Compares[0].Value);
        Assert.Equal((byte[])[7], txn.Compares[1].Key);
        Assert.Null(txn.Compares[1].Revision);
        Assert.Equal((byte[])[8, 9], txn.Compares[1].Value);

        Assert.Equal(2, txn.Success.Count);
        Assert.Equal(TxnOperationKind.Put, txn.Success[0].Kind);
        Assert.Equal(Key, txn.Success[0].Key);
        Assert.Equal((byte[])[4], txn.Success[0].Value);
        Assert.Equal(lease, txn.Success[0].Lease);
        Assert.Equal(TxnOperationKind.Get, txn.Success[1].Kind);
        Assert.Equal((byte[])[7], txn.Success[1].Key);
        Assert.Null(txn.Success[1].Value);
        Assert.Null(txn.Success[1].Lease);

        var failure = Assert.Single(txn.Failure);
        Assert.Equal(TxnOperationKind.Delete, failure.Kind);
        Assert.Equal((byte[])[7], failure.Key);
        Assert.Null(failure.Value);
        Assert.Null(failure.Lease);
    }
}
