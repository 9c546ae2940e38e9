namespace Quorum.Store;

/// <summary>What happened to a key.</summary>
public enum KeyChangeKind
{
    /// <summary>The key was set.</summary>
    Put,

    /// <summary>The key was deleted, by a client or by its lease running out.</summary>
    Delete,
}

/// <summary>One change to one key, as watchers see it.</summary>
/// <param name="Kind">Put or delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value of a put; empty for a delete.</param>
/// <param name="Revision">The revision of the change: the index of the log entry that made it.</param>
public readonly record struct KeyChange(KeyChangeKind Kind, ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, long Revision);

/// <summary>Every change one log entry made, in the order it made them.</summary>
/// <param name="Revision">The entry's index, the revision of each change.</param>
/// <param name="Changes">The changes; never empty.</param>
public sealed record ChangeBatch(long Revision, IReadOnlyList<KeyChange> Changes);
