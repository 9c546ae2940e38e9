namespace Quorum.Store;

/// <summary>
/// A write was handed to Raft but its commit was not confirmed in time (a timeout, or a leadership
/// change while it was in flight). It may still be applied, or it may be lost; the caller must not
/// assume either.
/// </summary>
public sealed class WriteOutcomeUnknownException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="WriteOutcomeUnknownException"/> class.</summary>
    /// <param name="message">What happened to the write.</param>
    /// <param name="innerException">The cause, if any.</param>
    public WriteOutcomeUnknownException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
