namespace Quorum.Store;

/// <summary>A key's value and the revision that wrote it.</summary>
/// <param name="Value">The value.</param>
/// <param name="Revision">The index of the log entry that last changed the key.</param>
public sealed record StoredValue(ReadOnlyMemory<byte> Value, long Revision);
