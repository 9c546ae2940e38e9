using System.Collections.Immutable;

namespace Quorum.Store.State;

/// <summary>
/// The recent changes a watcher can start from: the batches of the latest log entries that changed
/// keys, bounded by a number of changes and of bytes. Immutable, like the state it belongs to, so a
/// snapshot writes the history of exactly the version it writes.
/// </summary>
internal sealed class WatchHistory
{
    private const int ChangeOverhead = 48;
    private readonly ImmutableQueue<ChangeBatch> batches;

    private WatchHistory(ImmutableQueue<ChangeBatch> batches, long firstRevision, long changeCount, long byteCount, long maxChanges, long maxBytes)
    {
        this.batches = batches;
        FirstRevision = firstRevision;
        ChangeCount = changeCount;
        ByteCount = byteCount;
        MaxChanges = maxChanges;
        MaxBytes = maxBytes;
    }

    /// <summary>Gets an empty history that keeps everything from revision 1 on, with the default limits.</summary>
    public static WatchHistory Empty { get; } = new(ImmutableQueue<ChangeBatch>.Empty, 1, 0, 0, StoreOptions.DefaultWatchHistoryChanges, StoreOptions.DefaultWatchHistoryBytes);

    /// <summary>Gets the oldest revision a watch can start from: every change at or after it is kept.</summary>
    public long FirstRevision { get; }

    /// <summary>Gets the number of changes kept.</summary>
    public long ChangeCount { get; }

    /// <summary>Gets roughly how many bytes the kept changes hold.</summary>
    public long ByteCount { get; }

    /// <summary>Gets the most changes kept.</summary>
    public long MaxChanges { get; }

    /// <summary>Gets the most bytes kept.</summary>
    public long MaxBytes { get; }

    /// <summary>Gets the kept batches, oldest first.</summary>
    public IEnumerable<ChangeBatch> Batches => batches;

    /// <summary>Creates a history from kept batches, as a snapshot stores them.</summary>
    /// <param name="batches">The batches, oldest first, with ascending revisions not below <paramref name="firstRevision"/>.</param>
    /// <param name="firstRevision">The oldest revision a watch can start from.</param>
    /// <returns>The history, with the default limits.</returns>
    public static WatchHistory Create(IEnumerable<ChangeBatch> batches, long firstRevision)
    {
        var history = new WatchHistory(ImmutableQueue<ChangeBatch>.Empty, firstRevision, 0, 0, long.MaxValue, long.MaxValue);
        foreach (var batch in batches)
            history = history.Append(batch);

        return history.WithLimits(Empty.MaxChanges, Empty.MaxBytes);
    }

    /// <summary>Returns this history with other limits, dropping the oldest batches that no longer fit.</summary>
    /// <param name="maxChanges">The most changes kept.</param>
    /// <param name="maxBytes">The most bytes kept.</param>
    /// <returns>The history.</returns>
    public WatchHistory WithLimits(long maxChanges, long maxBytes)
        => new WatchHistory(batches, FirstRevision, ChangeCount, ByteCount, maxChanges, maxBytes).Trim();

    /// <summary>Adds the changes of a newer entry, dropping the oldest batches beyond the limits.</summary>
    /// <param name="batch">The changes.</param>
    /// <returns>The new history.</returns>
    public WatchHistory Append(ChangeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return new WatchHistory(batches.Enqueue(batch), FirstRevision, ChangeCount + batch.Changes.Count, ByteCount + SizeOf(batch), MaxChanges, MaxBytes).Trim();
    }

    /// <summary>Gets the kept batches at or after a revision, oldest first.</summary>
    /// <param name="revision">The revision; at least <see cref="FirstRevision"/> for the answer to be complete.</param>
    /// <returns>The batches.</returns>
    public IEnumerable<ChangeBatch> From(long revision) => batches.Where(b => b.Revision >= revision);

    private static long SizeOf(ChangeBatch batch)
    {
        long bytes = 0;
        foreach (var change in batch.Changes)
            bytes += change.Key.Length + change.Value.Length + ChangeOverhead;

        return bytes;
    }

    private WatchHistory Trim()
    {
        if (ChangeCount <= MaxChanges && ByteCount <= MaxBytes)
            return this;

        var queue = batches;
        var first = FirstRevision;
        var changes = ChangeCount;
        var bytes = ByteCount;
        while ((changes > MaxChanges || bytes > MaxBytes) && !queue.IsEmpty)
        {
            queue = queue.Dequeue(out var oldest);
            first = oldest.Revision + 1;
            changes -= oldest.Changes.Count;
            bytes -= SizeOf(oldest);
        }

        return new WatchHistory(queue, first, changes, bytes, MaxChanges, MaxBytes);
    }
}
