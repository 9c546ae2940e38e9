namespace Quorum.Store;

/// <summary>A conditional write did not apply because its key did not satisfy the precondition; nothing was changed.</summary>
public sealed class PreconditionFailedException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="PreconditionFailedException"/> class.</summary>
    /// <param name="message">What was required and what was found.</param>
    /// <param name="currentRevision">The key's revision when the write was applied, or 0 when it was absent.</param>
    public PreconditionFailedException(string message, long currentRevision)
        : base(message)
    {
        CurrentRevision = currentRevision;
    }

    /// <summary>Gets the key's revision when the write was applied, or 0 when it was absent.</summary>
    public long CurrentRevision { get; }
}
