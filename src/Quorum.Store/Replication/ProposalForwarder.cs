using Quorum.Store.Auth;
using Quorum.Store.Commands;

namespace Quorum.Store.Replication;

/// <summary>
/// On a follower: hands the writes its callers sent to the leader, many to a request.
/// </summary>
/// <remarks>
/// The follower has already checked each request and built its command; only the command travels,
/// not the HTTP request. While one batch is with the leader, the writes that arrive wait, and the
/// next request carries all of them, so under load a follower costs the leader one request per
/// round trip instead of one per write. The leader proposes them as it does its own writes (a
/// majority's fsync before any answer) and answers each one.
/// </remarks>
/// <param name="membership">Names the leader.</param>
/// <param name="client">Reaches the leader.</param>
/// <param name="options">The write timeout.</param>
internal sealed class ProposalForwarder(ClusterMembership membership, ILeaderClient client, StoreOptions options)
{
    private const int MaxCommandsPerBatch = 512;
    private const long MaxBytesPerBatch = 4L * 1024 * 1024;

    // How many batches may be with the leader at once. Each round trip costs the leader an HTTP
    // request; more in flight means smaller batches (see docs/PERFORMANCE.md for the figures).
    private const int MaxBatchesInFlight = 1;

    // Past the leader's own write timeout, the leader has either answered or given the write up as unknown.
    private readonly TimeSpan requestTimeout = options.WriteTimeout + TimeSpan.FromSeconds(5);
    private readonly Lock gate = new();
    private readonly Queue<Pending> queue = new();
    private int inFlight;

    /// <summary>Forwards a write to the leader and waits for its answer.</summary>
    /// <param name="command">The command.</param>
    /// <param name="caller">Who sent it, for the leader to authorize.</param>
    /// <param name="token">Cancels waiting; the write may still be applied.</param>
    /// <returns>What applying it did.</returns>
    /// <exception cref="UnavailableException">No leader is known, or it refused the write before proposing it.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The leader did not answer in time.</exception>
    /// <exception cref="InsufficientStorageException">The leader's disk or the store's quota is full.</exception>
    /// <exception cref="AccessDeniedException">The leader's users and roles do not allow the write.</exception>
    public async Task<CommandOutcome> ProposeAsync(Command command, Identity? caller, CancellationToken token)
    {
        var pending = new Pending(new ForwardedCommand(command, caller), SizeOf(command));
        List<Pending>? batch = null;
        lock (gate)
        {
            if (inFlight < MaxBatchesInFlight)
            {
                inFlight++;
                batch = [pending];
            }
            else
            {
                queue.Enqueue(pending);
            }
        }

        if (batch is not null)
            _ = SendThenContinueAsync(batch);

        var result = await pending.Answer.Task.WaitAsync(token);
        return result.OutcomeOrThrow();
    }

    private static long SizeOf(Command command) => command switch
    {
        PutCommand put => put.Key.Length + put.Value.Length,
        DeleteCommand delete => delete.Key.Length,
        _ => 256,
    };

    // Sends the next batch before answering this one's callers: answering runs their continuations
    // (writing HTTP responses) on this thread, which need not hold up the next round trip.
    private async Task SendThenContinueAsync(List<Pending> batch)
    {
        var results = await SendAsync(batch);
        List<Pending>? next = null;
        lock (gate)
        {
            if (queue.Count == 0)
            {
                inFlight--;
            }
            else
            {
                next = new List<Pending>(Math.Min(queue.Count, MaxCommandsPerBatch));
                long bytes = 0;
                while (queue.Count > 0 && next.Count < MaxCommandsPerBatch && (next.Count == 0 || bytes + queue.Peek().Bytes <= MaxBytesPerBatch))
                {
                    var pending = queue.Dequeue();
                    bytes += pending.Bytes;
                    next.Add(pending);
                }
            }
        }

        if (next is not null)
            _ = SendThenContinueAsync(next);

        for (var i = 0; i < batch.Count; i++)
            batch[i].Answer.TrySetResult(results[i]);
    }

    private async Task<IReadOnlyList<ForwardedResult>> SendAsync(List<Pending> batch)
    {
        IReadOnlyList<ForwardedResult> results;
        var leader = membership.Leader;
        try
        {
            if (leader is null)
                throw new UnavailableException("There is no leader at the moment (an election may be in progress, or a quorum is unreachable). Retry shortly.");
            if (leader.HttpAddress.Length == 0)
                throw new UnavailableException($"The leader '{leader.Id}' has not registered its HTTP address yet. Retry shortly.");

            var body = CommandCodec.EncodeForwarded(batch.ConvertAll(static p => p.Command));
            using var timeout = new CancellationTokenSource(requestTimeout);
            var answer = await client.ProposeAsync(leader, body, timeout.Token);
            results = CommandCodec.DecodeForwardedResults(new(answer));
            if (results.Count != batch.Count)
                throw new InvalidDataException($"The leader answered {results.Count} of {batch.Count} forwarded writes.");
        }
        catch (UnavailableException e)
        {
            results = Enumerable.Repeat(new ForwardedResult(ForwardedStatus.Unavailable, Message: e.Message), batch.Count).ToList();
        }
        catch (Exception e)
        {
            var message = $"The write was forwarded to the leader '{leader?.Id}', which did not answer in time ({e.Message}); its outcome is unknown.";
            results = Enumerable.Repeat(new ForwardedResult(ForwardedStatus.OutcomeUnknown, Message: message), batch.Count).ToList();
        }

        return results;
    }

    private sealed class Pending(ForwardedCommand command, long bytes)
    {
        public ForwardedCommand Command { get; } = command;

        public long Bytes { get; } = bytes;

        // Completed without RunContinuationsAsynchronously: the callers' continuations run one after
        // another on the thread that read the leader's answer, instead of waking a thread each.
        public TaskCompletionSource<ForwardedResult> Answer { get; } = new();
    }
}
