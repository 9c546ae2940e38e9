namespace Quorum.Store;

/// <summary>What a transaction did.</summary>
/// <param name="Succeeded">Whether every compare held (so the success operations ran).</param>
/// <param name="Revision">The revision of the transaction: the index of its log entry.</param>
/// <param name="Results">One result per operation that ran, in order.</param>
public sealed record TxnResult(bool Succeeded, long Revision, IReadOnlyList<TxnOperationResult> Results);

/// <summary>The result of one transaction operation.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">For a get, the value (<see langword="null"/> when absent); otherwise <see langword="null"/>.</param>
/// <param name="Revision">For a get, the key's revision (0 when absent); for a put or delete, the transaction's revision.</param>
public sealed record TxnOperationResult(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value, long Revision);
