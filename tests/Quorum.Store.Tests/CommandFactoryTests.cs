using System.Text;
using Quorum.Store.Commands;

namespace Quorum.Store.Tests;

public sealed class CommandFactoryTests
{
    private static readonly CommandFactory Factory = new(maxValueBytes: 8, new FixedWallClock(DateTimeOffset.FromUnixTimeMilliseconds(1_000)));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void A_put_carries_its_key_value_condition_and_lease()
    {
        var put = Factory.Put(Bytes("k"), Bytes("v"), Precondition.AtRevision(4), TimeSpan.FromSeconds(2));

        Assert.Equal(Bytes("k"), put.Key);
        Assert.Equal(Bytes("v"), put.Value);
        Assert.Equal(Precondition.AtRevision(4), put.Condition);
        Assert.Equal(new KeyLease(2_000, 1_000), put.Lease);
        Assert.Null(Factory.Put(Bytes("k"), Bytes("v"), Precondition.None, ttl: null).Lease);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(CommandFactory.MaxKeyBytes + 1, 1)]
    [InlineData(1, 9)]
    public void A_key_or_value_out_of_bounds_is_refused(int keyBytes, int valueBytes)
    {
        Assert.Throws<ArgumentException>(() => Factory.Put(new byte[keyBytes], new byte[valueBytes], Precondition.None, ttl: null));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(3651.0 * 24 * 3600)]
    public void A_ttl_out_of_bounds_is_refused(double seconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory.Put(Bytes("k"), Bytes("v"), Precondition.None, TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void A_transaction_that_writes_a_key_twice_in_a_branch_is_refused_but_may_read_it()
    {
        var twice = new TxnRequest([], [TxnOperation.Put(Bytes("k"), Bytes("1")), TxnOperation.Delete(Bytes("k"))], []);
        var readAndWrite = new TxnRequest([], [TxnOperation.Get(Bytes("k")), TxnOperation.Put(Bytes("k"), Bytes("1"))], [TxnOperation.Delete(Bytes("k"))]);

        Assert.Contains("written more than once in the success branch", Assert.Throws<ArgumentException>(() => Factory.Txn(twice)).Message, StringComparison.Ordinal);
        Assert.Equal(2, Factory.Txn(readAndWrite).Success.Count);
    }

    [Fact]
    public void A_transaction_over_the_operation_limit_or_with_an_empty_compare_is_refused()
    {
        var many = Enumerable.Range(0, CommandFactory.MaxTxnOperations + 1).Select(i => TxnOperation.Get(Bytes($"k{i}"))).ToArray();

        Assert.Throws<ArgumentException>(() => Factory.Txn(new TxnRequest([], many, [])));
        Assert.Throws<ArgumentException>(() => Factory.Txn(new TxnRequest([new TxnCompare(Bytes("k"), null, null)], [], [])));
        Assert.Throws<ArgumentException>(() => Factory.Txn(new TxnRequest([new TxnCompare(Bytes("k"), -1, null)], [], [])));
    }

    private sealed class FixedWallClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
