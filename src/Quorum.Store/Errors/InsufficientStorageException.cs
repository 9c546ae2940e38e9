namespace Quorum.Store;

/// <summary>
/// A write was refused before it reached the log, because the node's data directory is short of
/// free space or because it would take the store's live data over its quota. Nothing was changed;
/// the write succeeds once space is freed (files on the disk, or keys in the store).
/// </summary>
public sealed class InsufficientStorageException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="InsufficientStorageException"/> class.</summary>
    /// <param name="message">What is short, by how much, and what frees it.</param>
    /// <param name="innerException">The cause, if any.</param>
    public InsufficientStorageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
