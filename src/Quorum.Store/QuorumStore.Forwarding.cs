using System.Buffers;
using Quorum.Store.Auth;
using Quorum.Store.Commands;

namespace Quorum.Store;

/// <summary>Which node proposes a write: the leader itself, or a follower through the leader.</summary>
public sealed partial class QuorumStore
{
    /// <summary>
    /// Gets a value indicating whether a follower serves key writes itself and sends only their
    /// commands to the leader (<see cref="ProposeForwardedAsync"/>); otherwise key writes must be made on the leader.
    /// </summary>
    public bool ForwardsWrites => forwarder is not null;

    /// <summary>
    /// On the leader: proposes the writes a follower forwarded, each authorized for its own caller
    /// against this node's users and roles, and answers each one. Never throws once a command is proposed:
    /// a write whose commit was not confirmed is answered as unknown.
    /// </summary>
    /// <param name="commands">The follower's request body.</param>
    /// <param name="token">Cancels waiting; the writes may still be applied.</param>
    /// <returns>The answers, for the follower's store.</returns>
    /// <exception cref="ArgumentException">The body is malformed, or holds something other than key writes; nothing was proposed.</exception>
    public async Task<byte[]> ProposeForwardedAsync(ReadOnlySequence<byte> commands, CancellationToken token = default)
    {
        IReadOnlyList<ForwardedCommand> forwarded;
        try
        {
            forwarded = CommandCodec.DecodeForwarded(commands);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException("The forwarded writes are malformed: " + e.Message, nameof(commands), e);
        }

        if (forwarded.Any(static f => f.Command is not (PutCommand or DeleteCommand)))
            throw new ArgumentException("Only key writes (put and delete) may be forwarded as commands.", nameof(commands));

        var answers = new Task<ForwardedResult>[forwarded.Count];
        for (var i = 0; i < answers.Length; i++)
            answers[i] = ProposeOneForwardedAsync(forwarded[i], token);

        return CommandCodec.EncodeForwardedResults(await Task.WhenAll(answers));
    }

    // A follower forwards when it is not the leader; a node that has just won an election proposes
    // itself (the proposer waits until its leadership is usable).
    private Task<CommandOutcome> ProposeAsync(Command command, Identity? caller, CancellationToken token)
        => forwarder is null || IsLeader || membership.Leader?.Id == Self.Id
            ? proposer.ProposeAsync(command, token)
            : forwarder.ProposeAsync(command, caller, token);

    private async Task<ForwardedResult> ProposeOneForwardedAsync(ForwardedCommand forwarded, CancellationToken token)
    {
        try
        {
            var key = forwarded.Command is PutCommand put ? put.Key : ((DeleteCommand)forwarded.Command).Key;
            if (Auth is { Enabled: true } auth)
            {
                if (forwarded.Caller is not { } caller)
                    return new ForwardedResult(ForwardedStatus.Unauthenticated, Message: "This request needs credentials: auth is on.");
                if (!auth.Allows(caller, key, Access.Write))
                    return new ForwardedResult(ForwardedStatus.Forbidden, Message: $"User '{caller.Name}' lacks the write permission on key '{System.Text.Encoding.UTF8.GetString(key)}': no role of theirs grants it.");
            }

            EnsureWithinQuota(forwarded.Command);
            return new ForwardedResult(ForwardedStatus.Applied, await proposer.ProposeAsync(forwarded.Command, token));
        }
        catch (UnavailableException e)
        {
            return new ForwardedResult(ForwardedStatus.Unavailable, Message: e.Message);
        }
        catch (InsufficientStorageException e)
        {
            return new ForwardedResult(ForwardedStatus.InsufficientStorage, Message: e.Message);
        }
        catch (Exception e)
        {
            // Proposed, or perhaps proposed: a timeout, a cancelled wait, a leadership change in flight.
            return new ForwardedResult(ForwardedStatus.OutcomeUnknown, Message: e is WriteOutcomeUnknownException ? e.Message : $"The leader could not confirm the write's commit ({e.Message}); its outcome is unknown.");
        }
    }
}
