namespace Quorum.Store.State;

/// <summary>The stored state of one key besides its value (the value is the key's payload in the map).</summary>
/// <param name="Revision">The index of the log entry that last changed the key.</param>
internal readonly record struct KeyRecord(long Revision);
