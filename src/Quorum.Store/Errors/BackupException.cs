namespace Quorum.Store;

/// <summary>A backup file that cannot be used: damaged, not a backup, or refused for where it was to go.</summary>
public sealed class BackupException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="BackupException"/> class.</summary>
    /// <param name="message">What is wrong, and that nothing was written.</param>
    /// <param name="innerException">The cause, if any.</param>
    public BackupException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
