namespace Quorum.Store.State;

/// <summary>The stored state of one key.</summary>
/// <param name="Value">The value; never changed after it is stored.</param>
/// <param name="Revision">The index of the log entry that last changed the key.</param>
internal readonly record struct KeyRecord(byte[] Value, long Revision);
