using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Quorum.Store;

/// <summary>
/// A watch on the keys under a prefix: the changes it asked for from the history, then every new
/// change as it is applied, in revision order, without gaps or repeats. A watcher that falls more
/// than <see cref="StoreOptions.WatcherBufferChanges"/> behind is cut off instead of holding up
/// writes: reading then ends with a <see cref="WatchCutOffException"/> that says where to resume.
/// Dispose it to stop watching.
/// </summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Channel<ChangeBatch> live = Channel.CreateUnbounded<ChangeBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int bufferLimit;
    private readonly Action<WatchSubscription> unsubscribe;
    private IReadOnlyList<ChangeBatch> backlog = [];
    private long liveAfter = long.MaxValue;
    private int pending;

    internal WatchSubscription(ReadOnlyMemory<byte> prefix, int bufferLimit, Action<WatchSubscription> unsubscribe)
    {
        Prefix = prefix;
        this.bufferLimit = bufferLimit;
        this.unsubscribe = unsubscribe;
    }

    /// <summary>Gets the prefix of the watched keys (empty: every key).</summary>
    public ReadOnlyMemory<byte> Prefix { get; }

    /// <summary>Gets the first revision the watch reports changes from.</summary>
    public long StartRevision { get; private set; }

    /// <summary>Reads the changes under the prefix, one batch per revision, until the token is cancelled or the watch is cut off.</summary>
    /// <param name="token">Stops reading.</param>
    /// <returns>The batches.</returns>
    /// <exception cref="WatchCutOffException">The watcher fell too far behind, or this node's history lost changes it needed.</exception>
    public async IAsyncEnumerable<ChangeBatch> ReadAllAsync([EnumeratorCancellation] CancellationToken token = default)
    {
        foreach (var batch in backlog)
        {
            if (Filter(batch) is { } matching)
                yield return matching;
        }

        while (await live.Reader.WaitToReadAsync(token))
        {
            while (live.Reader.TryRead(out var batch))
            {
                Interlocked.Add(ref pending, -batch.Changes.Count);

                // Batches the backlog already had arrive here too when they were applied while the watch started.
                if (batch.Revision > liveAfter)
                    yield return batch;
            }
        }
    }

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        unsubscribe(this);
        live.Writer.TryComplete();
    }

    /// <summary>Sets where the watch starts, before anyone reads it.</summary>
    /// <param name="startRevision">The first revision reported.</param>
    /// <param name="history">The batches from the history, through <paramref name="historyThrough"/>.</param>
    /// <param name="historyThrough">The revision of the state the history was read from; later batches come live.</param>
    internal void Start(long startRevision, IReadOnlyList<ChangeBatch> history, long historyThrough)
    {
        StartRevision = startRevision;
        backlog = history;
        liveAfter = Math.Max(historyThrough, startRevision - 1);
    }

    /// <summary>Offers a batch of changes (any keys); called by the applier, so it never waits.</summary>
    /// <param name="batch">The batch.</param>
    internal void Offer(ChangeBatch batch)
    {
        var matching = Filter(batch);
        if (matching is null)
            return;

        if (Interlocked.Add(ref pending, matching.Changes.Count) > bufferLimit)
        {
            CutOff(new WatchCutOffException(
                $"The watcher fell more than {bufferLimit} changes behind and was cut off so that writes are not held up. Resume with from={matching.Revision}.",
                matching.Revision));
            return;
        }

        live.Writer.TryWrite(matching);
    }

    /// <summary>Ends the watch: the batches already queued are still read, then reading fails with <paramref name="reason"/>.</summary>
    /// <param name="reason">Why, and where to resume.</param>
    internal void CutOff(WatchCutOffException reason)
    {
        if (live.Writer.TryComplete(reason))
            unsubscribe(this);
    }

    private ChangeBatch? Filter(ChangeBatch batch)
    {
        if (Prefix.IsEmpty)
            return batch;

        List<KeyChange>? matching = null;
        foreach (var change in batch.Changes)
        {
            if (change.Key.Span.StartsWith(Prefix.Span))
                (matching ??= []).Add(change);
        }

        return matching is null ? null : matching.Count == batch.Changes.Count ? batch : new ChangeBatch(batch.Revision, matching);
    }
}
