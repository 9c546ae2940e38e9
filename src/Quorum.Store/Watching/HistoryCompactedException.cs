namespace Quorum.Store;

/// <summary>A watch asked for changes older than the history this node keeps; nothing can be sent from there.</summary>
public sealed class HistoryCompactedException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="HistoryCompactedException"/> class.</summary>
    /// <param name="message">What was asked and what is kept.</param>
    /// <param name="oldestRevision">The oldest revision a watch can start from.</param>
    public HistoryCompactedException(string message, long oldestRevision)
        : base(message)
    {
        OldestRevision = oldestRevision;
    }

    /// <summary>Gets the oldest revision a watch can start from.</summary>
    public long OldestRevision { get; }
}
