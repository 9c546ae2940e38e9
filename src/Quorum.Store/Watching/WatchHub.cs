using System.Collections.Immutable;
using Quorum.Store.State;

namespace Quorum.Store.Watching;

/// <summary>
/// Hands each applied batch of changes to every open watch, once and in revision order; the
/// applier calls it, and it never waits. It outlives a state machine that Raft restarts, and skips
/// the batches such a restart applies again.
/// </summary>
internal sealed class WatchHub
{
    private ImmutableArray<WatchSubscription> subscribers = [];
    private long deliveredThrough;

    /// <summary>Gets the number of open watches.</summary>
    public int Count => subscribers.Length;

    /// <summary>Opens a watch; it receives every batch published from now on, and reads nothing until started.</summary>
    /// <param name="prefix">The prefix of the watched keys.</param>
    /// <param name="bufferLimit">How many changes may wait for the watcher before it is cut off.</param>
    /// <returns>The watch.</returns>
    public WatchSubscription Subscribe(ReadOnlyMemory<byte> prefix, int bufferLimit)
    {
        var subscription = new WatchSubscription(prefix, bufferLimit, Unsubscribe);
        ImmutableInterlocked.Update(ref subscribers, static (list, s) => list.Add(s), subscription);
        return subscription;
    }

    /// <summary>Offers the changes of one applied entry to every watch.</summary>
    /// <param name="batch">The changes.</param>
    public void Publish(ChangeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Revision <= deliveredThrough)
            return;

        deliveredThrough = batch.Revision;
        foreach (var subscriber in subscribers)
            subscriber.Offer(batch);
    }

    /// <summary>
    /// Brings watches up to a state that replaced the applier's (a snapshot installed from the
    /// leader, or restored when Raft restarted): the changes between what they were sent and the
    /// new state come from its history, and if the history no longer has them, every watch is cut off.
    /// </summary>
    /// <param name="state">The new state.</param>
    public void CatchUp(StoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Index <= deliveredThrough)
            return;

        var resumeFrom = deliveredThrough + 1;
        if (state.History.FirstRevision > resumeFrom)
        {
            var reason = new WatchCutOffException(
                $"This node jumped ahead by a snapshot that no longer holds the changes from revision {resumeFrom}. Watch from that revision on another node, or from revision {state.History.FirstRevision} on.",
                resumeFrom);
            foreach (var subscriber in subscribers)
                subscriber.CutOff(reason);
        }
        else
        {
            foreach (var batch in state.History.From(resumeFrom))
            {
                foreach (var subscriber in subscribers)
                    subscriber.Offer(batch);
            }
        }

        deliveredThrough = state.Index;
    }

    private void Unsubscribe(WatchSubscription subscription)
        => ImmutableInterlocked.Update(ref subscribers, static (list, s) => list.Remove(s), subscription);
}
