namespace Quorum.Store;

/// <summary>A key, its value and its revision, as a listing returns them.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Revision">The index of the log entry that last changed the key.</param>
public sealed record StoredKey(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, long Revision);
