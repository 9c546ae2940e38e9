namespace Quorum.Store;

/// <summary>
/// A transaction, as etcd's Txn: compares, then the success operations if every compare holds, else
/// the failure operations; applied as one log entry, atomically.
/// </summary>
/// <param name="Compare">What must hold; empty always holds.</param>
/// <param name="Success">What runs when every compare holds.</param>
/// <param name="Failure">What runs otherwise.</param>
public sealed record TxnRequest(IReadOnlyList<TxnCompare> Compare, IReadOnlyList<TxnOperation> Success, IReadOnlyList<TxnOperation> Failure);

/// <summary>One compare of a transaction: the key's revision is <see cref="Revision"/> (0: the key is absent), or its value is <see cref="Value"/>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The required revision, or <see langword="null"/> to compare the value.</param>
/// <param name="Value">The required value, when <see cref="Revision"/> is <see langword="null"/>.</param>
public sealed record TxnCompare(ReadOnlyMemory<byte> Key, long? Revision, ReadOnlyMemory<byte>? Value)
{
    /// <summary>A compare of the key's revision.</summary>
    /// <param name="key">The key.</param>
    /// <param name="revision">The revision; 0 means the key is absent.</param>
    /// <returns>The compare.</returns>
    public static TxnCompare RevisionIs(ReadOnlyMemory<byte> key, long revision) => new(key, revision, null);

    /// <summary>A compare of the key's value; an absent key never matches.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <returns>The compare.</returns>
    public static TxnCompare ValueIs(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value) => new(key, null, value);
}

/// <summary>The kind of a transaction operation.</summary>
public enum TxnOperationKind
{
    /// <summary>Set the key.</summary>
    Put,

    /// <summary>Delete the key.</summary>
    Delete,

    /// <summary>Read the key, as the transaction has it at this point.</summary>
    Get,
}

/// <summary>One operation of a transaction.</summary>
/// <param name="Kind">Put, delete or get.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value of a put.</param>
/// <param name="Ttl">The time to live of a put, if any.</param>
public sealed record TxnOperation(TxnOperationKind Kind, ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value = default, TimeSpan? Ttl = null)
{
    /// <summary>A put.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="ttl">The time to live, if any.</param>
    /// <returns>The operation.</returns>
    public static TxnOperation Put(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, TimeSpan? ttl = null) => new(TxnOperationKind.Put, key, value, ttl);

    /// <summary>A delete.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The operation.</returns>
    public static TxnOperation Delete(ReadOnlyMemory<byte> key) => new(TxnOperationKind.Delete, key);

    /// <summary>A get.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The operation.</returns>
    public static TxnOperation Get(ReadOnlyMemory<byte> key) => new(TxnOperationKind.Get, key);
}
