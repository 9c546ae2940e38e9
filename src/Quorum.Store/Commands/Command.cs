namespace Quorum.Store.Commands;

/// <summary>
/// A change to the replicated state. Commands travel through the Raft log in the binary form
/// of <see cref="CommandCodec"/> and are applied, in log order, by every replica.
/// </summary>
internal abstract record Command;

/// <summary>Sets a key to a value.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
internal sealed record PutCommand(byte[] Key, byte[] Value) : Command;

/// <summary>Deletes a key; deleting an absent key is not an error.</summary>
/// <param name="Key">The key.</param>
internal sealed record DeleteCommand(byte[] Key) : Command;

/// <summary>Records (or updates) a member's addresses in the replicated member table.</summary>
/// <param name="Member">The member.</param>
internal sealed record SetMemberCommand(MemberInfo Member) : Command;

/// <summary>Forgets a member's addresses.</summary>
/// <param name="Id">The member's ID.</param>
internal sealed record RemoveMemberCommand(string Id) : Command;
