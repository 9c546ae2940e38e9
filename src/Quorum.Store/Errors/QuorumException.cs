namespace Quorum.Store;

/// <summary>The base of every error the store reports with a message meant for its user.</summary>
public abstract class QuorumException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="QuorumException"/> class.</summary>
    /// <param name="message">What went wrong, in words a user can act on.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected QuorumException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
