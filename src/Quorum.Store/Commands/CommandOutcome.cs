namespace Quorum.Store.Commands;

/// <summary>What applying one command did.</summary>
/// <param name="Revision">The revision of the write: the index of the log entry that carried it.</param>
internal readonly record struct CommandOutcome(long Revision);
