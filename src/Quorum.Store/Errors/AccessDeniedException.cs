namespace Quorum.Store;

/// <summary>
/// The leader refused a write a follower forwarded: with its current users and roles, the caller may
/// not make it. The follower had allowed it by its own copy, which had not yet caught up with a change
/// to auth. Nothing was changed.
/// </summary>
public sealed class AccessDeniedException : QuorumException
{
    /// <summary>Initializes a new instance of the <see cref="AccessDeniedException"/> class.</summary>
    /// <param name="message">Who lacks which permission.</param>
    /// <param name="needsCredentials">Whether the caller sent no credentials (401) rather than too few permissions (403).</param>
    public AccessDeniedException(string message, bool needsCredentials)
        : base(message)
        => NeedsCredentials = needsCredentials;

    /// <summary>Gets a value indicating whether the caller sent no credentials and auth is on.</summary>
    public bool NeedsCredentials { get; }
}
