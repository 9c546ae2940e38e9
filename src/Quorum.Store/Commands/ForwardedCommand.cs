using Quorum.Store.Auth;

namespace Quorum.Store.Commands;

/// <summary>A write a follower took from its caller and sends on to the leader to propose.</summary>
/// <param name="Command">The command, already checked by the follower.</param>
/// <param name="Caller">Who sent it, for the leader to authorize against its own, current users and roles; <see langword="null"/> when anonymous.</param>
internal readonly record struct ForwardedCommand(Command Command, Identity? Caller);

/// <summary>How the leader answered one forwarded command.</summary>
internal enum ForwardedStatus : byte
{
    /// <summary>Committed and applied; the outcome says whether its precondition held.</summary>
    Applied = 0,

    /// <summary>Refused before it reached the log (no leader, leadership moved, stopping): retry is safe.</summary>
    Unavailable = 1,

    /// <summary>Proposed, but its commit was not confirmed: it may or may not be applied.</summary>
    OutcomeUnknown = 2,

    /// <summary>Refused before it reached the log: the leader's disk or the store's quota is full.</summary>
    InsufficientStorage = 3,

    /// <summary>Refused: the leader's users and roles do not let the caller write the key.</summary>
    Forbidden = 4,

    /// <summary>Refused: auth is on at the leader and the caller is anonymous.</summary>
    Unauthenticated = 5,
}

/// <summary>The leader's answer to one forwarded command.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Outcome">What applying it did, when <see cref="ForwardedStatus.Applied"/>.</param>
/// <param name="Message">Why, otherwise.</param>
internal readonly record struct ForwardedResult(ForwardedStatus Status, CommandOutcome Outcome = default, string Message = "")
{
    /// <summary>Turns the answer into the outcome, or the exception the leader's own refusal would have been.</summary>
    /// <returns>The outcome.</returns>
    public CommandOutcome OutcomeOrThrow() => Status switch
    {
        ForwardedStatus.Applied => Outcome,
        ForwardedStatus.Unavailable => throw new UnavailableException(Message),
        ForwardedStatus.InsufficientStorage => throw new InsufficientStorageException(Message),
        ForwardedStatus.Forbidden => throw new AccessDeniedException(Message, needsCredentials: false),
        ForwardedStatus.Unauthenticated => throw new AccessDeniedException(Message, needsCredentials: true),
        _ => throw new WriteOutcomeUnknownException(Message),
    };
}
