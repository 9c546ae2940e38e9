namespace Quorum.Contracts.Transactions;

/// <summary>A compare of a transaction: the key's revision (0: absent), or its value.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The required revision.</param>
/// <param name="Value">The required value, when no revision is given.</param>
public sealed record TxnCompare(string Key, long? Revision = null, byte[]? Value = null)
{
    /// <summary>The key is at a revision.</summary>
    /// <param name="key">The key.</param>
    /// <param name="revision">The revision; 0 means absent.</param>
    /// <returns>The compare.</returns>
    public static TxnCompare RevisionIs(string key, long revision) => new(key, revision);

    /// <summary>The key is absent.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The compare.</returns>
    public static TxnCompare Absent(string key) => new(key, 0);

    /// <summary>The key has a value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <returns>The compare.</returns>
    public static TxnCompare ValueIs(string key, byte[] value) => new(key, null, value);
}

/// <summary>The kind of a transaction operation.</summary>
public enum TxnOperationType
{
    /// <summary>Set a key.</summary>
    Put,

    /// <summary>Delete a key.</summary>
    Delete,

    /// <summary>Read a key.</summary>
    Get,
}

/// <summary>An operation of a transaction.</summary>
/// <param name="Type">Put, delete or get.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">A put's value.</param>
/// <param name="Ttl">A put's time to live.</param>
public sealed record TxnOperation(TxnOperationType Type, string Key, byte[]? Value = null, TimeSpan? Ttl = null)
{
    /// <summary>A put.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="ttl">The time to live, if any.</param>
    /// <returns>The operation.</returns>
    public static TxnOperation Put(string key, byte[] value, TimeSpan? ttl = null) => new(TxnOperationType.Put, key, value, ttl);

    /// <summary>A delete.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The operation.</returns>
    public static TxnOperation Delete(string key) => new(TxnOperationType.Delete, key);

    /// <summary>A get.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The operation.</returns>
    public static TxnOperation Get(string key) => new(TxnOperationType.Get, key);
}

/// <summary>A transaction: when every compare holds the success operations run, else the failure operations; atomically, as one write.</summary>
/// <param name="Compare">The compares.</param>
/// <param name="Success">The operations when they all hold.</param>
/// <param name="Failure">The operations otherwise.</param>
public sealed record TxnRequest(IReadOnlyList<TxnCompare> Compare, IReadOnlyList<TxnOperation> Success, IReadOnlyList<TxnOperation> Failure);
