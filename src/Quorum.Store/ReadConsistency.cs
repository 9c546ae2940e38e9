namespace Quorum.Store;

/// <summary>How up to date a read must be.</summary>
public enum ReadConsistency
{
    /// <summary>
    /// The read reflects every write that completed before it began, on whichever node it is asked:
    /// the node first learns the leader's commit index, confirmed by a quorum, and waits until it has
    /// applied that far.
    /// </summary>
    Linearizable,

    /// <summary>The read answers from this node's replica at once, without asking anyone; it may lag.</summary>
    Stale,
}
