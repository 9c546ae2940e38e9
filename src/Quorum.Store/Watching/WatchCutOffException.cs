namespace Quorum.Store;

/// <summary>A watch ended before its watcher stopped it; the watcher can start again from <see cref="ResumeRevision"/>.</summary>
public sealed class WatchCutOffException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="WatchCutOffException"/> class.</summary>
    /// <param name="message">Why the watch ended.</param>
    /// <param name="resumeRevision">The first revision the watcher has not been sent.</param>
    public WatchCutOffException(string message, long resumeRevision)
        : base(message)
    {
        ResumeRevision = resumeRevision;
    }

    /// <summary>Gets the first revision the watcher has not been sent.</summary>
    public long ResumeRevision { get; }
}
