namespace Quorum.Store;

/// <summary>
/// The request cannot be served now because there is no leader, this node cannot reach a quorum,
/// or leadership moved while the request was being prepared. Nothing was changed; retrying later is safe.
/// </summary>
public sealed class UnavailableException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="UnavailableException"/> class.</summary>
    /// <param name="message">Why the request cannot be served.</param>
    /// <param name="innerException">The cause, if any.</param>
    public UnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
