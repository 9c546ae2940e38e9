namespace Quorum.Store;

/// <summary>A membership change was refused because it contradicts the current membership.</summary>
public sealed class MembershipException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="MembershipException"/> class.</summary>
    /// <param name="message">Why the change was refused.</param>
    /// <param name="isUnknownMember"><see langword="true"/> when the change names a member the cluster does not have.</param>
    public MembershipException(string message, bool isUnknownMember = false)
        : base(message) => IsUnknownMember = isUnknownMember;

    /// <summary>Gets a value indicating that the change names a member the cluster does not have.</summary>
    public bool IsUnknownMember { get; }
}
