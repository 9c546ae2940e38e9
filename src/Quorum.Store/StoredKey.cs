namespace Quorum.Store;

/// <summary>A key, its value and its revision, as a listing returns them.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Revision">The index of the log entry that last changed the key.</param>
public sealed record StoredKey(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, long Revision)
{
    /// <summary>Gets the key's time to live as written, or <see langword="null"/> for a key without a lease.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>
    /// Gets about when the key expires: the proposing leader's wall clock at the write plus the TTL.
    /// For display only; expiry itself is timed on each node's monotonic clock and may come later.
    /// </summary>
    public DateTimeOffset? ExpiresAbout { get; init; }
}
