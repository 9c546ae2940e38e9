namespace Quorum.Store;

/// <summary>A change to users, roles or auth was refused because of the auth state as it stands.</summary>
public sealed class AuthException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="AuthException"/> class.</summary>
    /// <param name="message">Why the change was refused.</param>
    /// <param name="isUnknown"><see langword="true"/> when the change names a user or role that does not exist.</param>
    public AuthException(string message, bool isUnknown = false)
        : base(message) => IsUnknown = isUnknown;

    /// <summary>Gets a value indicating that the change names a user or role that does not exist.</summary>
    public bool IsUnknown { get; }
}
