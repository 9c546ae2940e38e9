using System.Text;
using Quorum.Store.Commands;
using Quorum.Store.State;

namespace Quorum.Store.Tests;

/// <summary>Transactions: compares, then one branch, applied as one entry.</summary>
public sealed class TransactionTests
{
    private static readonly byte[] Lock = Encoding.UTF8.GetBytes("locks/job");
    private static readonly byte[] Owner = Encoding.UTF8.GetBytes("locks/job/owner");

    private static (StoreState State, TxnResult Result) Run(StoreState state, TxnCommand txn, long index)
    {
        var outcomes = new CommandOutcome[1];
        var next = state.Apply([txn], index, 1, outcomes);
        return (next, outcomes[0].Txn!);
    }

    private static TxnCommand TryLock(string holder) => new(
        [new TxnCondition(Lock, 0, null)],
        [new TxnStep(TxnOperationKind.Put, Lock, Encoding.UTF8.GetBytes(holder)), new TxnStep(TxnOperationKind.Put, Owner, Encoding.UTF8.GetBytes(holder))],
        [new TxnStep(TxnOperationKind.Get, Lock)]);

    [Fact]
    public void A_compare_and_create_lock_is_won_once_and_the_loser_reads_the_holder_in_the_same_step()
    {
        var (held, first) = Run(StoreState.Empty, TryLock("a"), 10);
        var (after, second) = Run(held, TryLock("b"), 11);

        Assert.True(first.Succeeded);
        Assert.Equal(10, first.Revision);
        Assert.Equal([10L, 10L], first.Results.Select(r => r.Revision));
        Assert.False(second.Succeeded);
        var read = Assert.Single(second.Results);
        Assert.Equal("a", Encoding.UTF8.GetString(read.Value!.Value.Span));
        Assert.Equal(10, read.Revision);
        Assert.Equal("a", Encoding.UTF8.GetString(after.Find(Owner)!.Value.Span));
    }

    [Fact]
    public void Every_change_of_a_transaction_has_its_revision_and_reaches_watchers_as_one_batch()
    {
        var (state, _) = Run(StoreState.Empty, TryLock("a"), 10);

        var batch = Assert.Single(state.History.From(10));
        Assert.Equal(10, batch.Revision);
        Assert.Equal([Lock, Owner], batch.Changes.Select(c => c.Key.ToArray()));
        Assert.All(batch.Changes, c => Assert.Equal(10, c.Revision));
    }

    [Fact]
    public void A_value_compare_fails_on_an_absent_key_and_a_get_sees_an_earlier_put_of_the_same_transaction()
    {
        var absent = new TxnCommand([new TxnCondition(Lock, null, [1])], [new TxnStep(TxnOperationKind.Delete, Lock)], [new TxnStep(TxnOperationKind.Put, Lock, [1]), new TxnStep(TxnOperationKind.Get, Lock)]);
        var (state, result) = Run(StoreState.Empty, absent, 3);

        Assert.False(result.Succeeded);
        Assert.Equal(new byte[] { 1 }, result.Results[1].Value!.Value.ToArray());
        Assert.Equal(3, result.Results[1].Revision);

        var present = new TxnCommand([new TxnCondition(Lock, null, [1])], [new TxnStep(TxnOperationKind.Delete, Lock)], []);
        var (after, second) = Run(state, present, 4);
        Assert.True(second.Succeeded);
        Assert.Null(after.Find(Lock));
    }

    [Fact]
    public void A_get_of_an_absent_key_answers_null_at_revision_zero()
    {
        var (_, result) = Run(StoreState.Empty, new TxnCommand([], [new TxnStep(TxnOperationKind.Get, Lock)], []), 2);

        Assert.True(result.Succeeded);
        var read = Assert.Single(result.Results);
        Assert.Null(read.Value);
        Assert.Equal(0, read.Revision);
    }
}
