namespace Quorum.Store;

/// <summary>What an acknowledged write did.</summary>
/// <param name="Revision">The revision of the write: the index of the log entry that carried it.</param>
public readonly record struct WriteResult(long Revision);
