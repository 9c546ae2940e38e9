namespace Quorum.Store.Commands;

/// <summary>What applying one command did.</summary>
/// <param name="Revision">The revision of the write: the index of the log entry that carried it.</param>
/// <param name="Applied">Whether the command's precondition held; a command whose precondition failed changed nothing.</param>
/// <param name="CurrentRevision">When the precondition failed, the key's revision then (0: absent).</param>
/// <param name="Txn">What a transaction did.</param>
/// <param name="Refusal">Why an auth command changed nothing.</param>
internal readonly record struct CommandOutcome(long Revision, bool Applied = true, long CurrentRevision = 0, TxnResult? Txn = null, AuthRefusal Refusal = AuthRefusal.None)
{
    /// <summary>The outcome of an auth command the state refused.</summary>
    /// <param name="revision">The entry's index.</param>
    /// <param name="refusal">Why.</param>
    /// <returns>The outcome.</returns>
    public static CommandOutcome Refused(long revision, AuthRefusal refusal) => new(revision, false, Refusal: refusal);

    /// <summary>The outcome of a command whose precondition failed.</summary>
    /// <param name="revision">The entry's index.</param>
    /// <param name="currentRevision">The key's revision then.</param>
    /// <returns>The outcome.</returns>
    public static CommandOutcome Failed(long revision, long currentRevision) => new(revision, false, currentRevision);
}
