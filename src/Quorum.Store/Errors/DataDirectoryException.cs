namespace Quorum.Store;

/// <summary>
/// The data directory cannot be used: another process owns it, it belongs to a different node,
/// or what it holds is damaged. The node refuses to start rather than serve wrong data.
/// </summary>
public sealed class DataDirectoryException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="DataDirectoryException"/> class.</summary>
    /// <param name="message">What is wrong and what to do about it.</param>
    /// <param name="innerException">The cause, if any.</param>
    public DataDirectoryException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
