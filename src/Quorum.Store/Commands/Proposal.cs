namespace Quorum.Store.Commands;

/// <summary>
/// A batch of commands this node, as leader, has put into the log, and the place where the state
/// machine leaves the outcome once the entry is applied.
/// </summary>
/// <remarks>
/// The proposal travels with the log entry as its in-memory context. The log keys contexts by index,
/// so if this node loses leadership and its entry is overwritten by another leader's entry at the same
/// index, the context is delivered with that other entry. The term tells them apart: by Raft's log
/// matching property an entry with the same index and term is the same entry.
/// </remarks>
/// <param name="term">The term in which the leader appended the entry.</param>
/// <param name="commands">The commands.</param>
internal sealed class Proposal(long term, IReadOnlyList<Command> commands)
{
    private volatile CommandOutcome[]? outcomes;
    private volatile bool superseded;

    /// <summary>Gets the term of the entry that carries the proposal.</summary>
    public long Term => term;

    /// <summary>Gets the commands.</summary>
    public IReadOnlyList<Command> Commands => commands;

    /// <summary>Gets the outcome of each command, once the entry has been applied; otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<CommandOutcome>? Outcomes => outcomes;

    /// <summary>Gets a value indicating that another entry took this proposal's place in the log, so it was never applied.</summary>
    public bool IsSuperseded => superseded;

    /// <summary>Records what applying the entry did.</summary>
    /// <param name="results">One outcome per command.</param>
    public void Complete(CommandOutcome[] results) => outcomes = results;

    /// <summary>Records that an entry from another term was applied at this proposal's index.</summary>
    public void Supersede() => superseded = true;
}
