namespace Quorum.Store.Commands;

/// <summary>
/// A change to the replicated state. Commands travel through the Raft log in the binary form
/// of <see cref="CommandCodec"/> and are applied, in log order, by every replica.
/// </summary>
internal abstract record Command;

/// <summary>Sets a key to a value, if its precondition holds.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Condition">What the key must satisfy.</param>
/// <param name="Lease">The key's time to live, or <see langword="null"/> for a permanent key.</param>
internal sealed record PutCommand(byte[] Key, byte[] Value, Precondition Condition = default, KeyLease? Lease = null) : Command;

/// <summary>Deletes a key, if its precondition holds; deleting an absent key is not an error.</summary>
/// <param name="Key">The key.</param>
/// <param name="Condition">What the key must satisfy.</param>
internal sealed record DeleteCommand(byte[] Key, Precondition Condition = default) : Command;

/// <summary>Deletes a key whose lease ran out, if it is still the version the lease belongs to.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The revision of the write that granted the lease; a key rewritten since is left alone.</param>
internal sealed record ExpireCommand(byte[] Key, long Revision) : Command;

/// <summary>A transaction: compares, then one of two lists of steps.</summary>
/// <param name="Compares">What must hold.</param>
/// <param name="Success">The steps when every compare holds.</param>
/// <param name="Failure">The steps otherwise.</param>
internal sealed record TxnCommand(IReadOnlyList<TxnCondition> Compares, IReadOnlyList<TxnStep> Success, IReadOnlyList<TxnStep> Failure) : Command;

/// <summary>A transaction's compare: the key's revision (0: absent), or its value.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The required revision, or <see langword="null"/> to compare <paramref name="Value"/>.</param>
/// <param name="Value">The required value.</param>
internal sealed record TxnCondition(byte[] Key, long? Revision, byte[]? Value);

/// <summary>A transaction's step.</summary>
/// <param name="Kind">Put, delete or get.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value of a put.</param>
/// <param name="Lease">The lease of a put, if any.</param>
internal sealed record TxnStep(TxnOperationKind Kind, byte[] Key, byte[]? Value = null, KeyLease? Lease = null);

/// <summary>Records (or updates) a member's addresses in the replicated member table.</summary>
/// <param name="Member">The member.</param>
internal sealed record SetMemberCommand(MemberInfo Member) : Command;

/// <summary>Forgets a member's addresses.</summary>
/// <param name="Id">The member's ID.</param>
internal sealed record RemoveMemberCommand(string Id) : Command;
