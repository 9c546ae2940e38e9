using Microsoft.Extensions.Logging;
using Quorum.Store.Commands;
using Quorum.Store.Leases;
using Quorum.Store.Raft;
using Quorum.Store.State;
using Quorum.Store.StateMachine;

namespace Quorum.Store.Replication;

/// <summary>
/// On the leader, turns leases that are due into log entries: an <see cref="ExpireCommand"/> per
/// key, which every replica applies at the same revision (and watchers see as a delete). The
/// command names the revision the lease was granted with, so a key written again in the meantime,
/// even in an entry this node has not applied yet, is left alone.
/// </summary>
internal sealed partial class LeaseExpirer : IAsyncDisposable
{
    private const int MaxPerRound = 1024;
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly LeaseTracker tracker;
    private readonly RaftNodeHost raft;
    private readonly Proposer proposer;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;

    /// <summary>Initializes a new instance of the <see cref="LeaseExpirer"/> class and starts it.</summary>
    /// <param name="tracker">The leases and when they are due.</param>
    /// <param name="raft">The Raft node: whether this node leads, and the state the leases are checked against.</param>
    /// <param name="proposer">Puts expiries into the log.</param>
    /// <param name="time">The clocks.</param>
    /// <param name="logger">The logger.</param>
    public LeaseExpirer(LeaseTracker tracker, RaftNodeHost raft, Proposer proposer, TimeProvider time, ILogger logger)
    {
        this.tracker = tracker;
        this.raft = raft;
        this.proposer = proposer;
        this.time = time;
        this.logger = logger;
        loop = Task.Run(() => RunAsync(stopping.Token));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await WaitForDueAsync(token);
                await ExpireDueAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(e);
                await Task.Delay(RetryDelay, time, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task WaitForDueAsync(CancellationToken token)
    {
        var changed = tracker.Changed;
        var wait = tracker.UntilNextDue() is { } next && next < IdleWait ? next : IdleWait;
        if (wait > TimeSpan.Zero)
            await Task.WhenAny(changed, Task.Delay(wait, time, token));

        token.ThrowIfCancellationRequested();
    }

    private async Task ExpireDueAsync(CancellationToken token)
    {
        var due = tracker.TakeDue(MaxPerRound);
        if (due.Count == 0)
            return;

        var node = raft.Current;
        var leading = !node.LeadershipToken.IsCancellationRequested;
        var expiring = new List<Task>();
        foreach (var grant in due)
        {
            // A key deleted or written again since the grant has nothing left to expire.
            if (!IsCurrent(node.StateMachine, grant))
                continue;

            if (leading)
                expiring.Add(ExpireAsync(grant, token));
            else
                tracker.Retry(grant, RetryDelay);
        }

        await Task.WhenAll(expiring);
    }

    private async Task ExpireAsync(LeaseGrant grant, CancellationToken token)
    {
        try
        {
            await proposer.ProposeAsync(new ExpireCommand(grant.Key, grant.Revision), token);
        }
        catch (Exception e) when (e is UnavailableException or WriteOutcomeUnknownException or InsufficientStorageException)
        {
            // The expiry names its revision, so proposing it again is harmless if this one did apply.
            tracker.Retry(grant, RetryDelay);
        }
    }

    // Whether the key still has the lease it was granted: not deleted or written again since.
    private static bool IsCurrent(KeyValueStateMachine machine, LeaseGrant grant)
    {
        using var read = machine.EnterRead();
        return machine.State.Keys.TryGetValue(grant.Key, out var record, out _) && record.HasLease && record.Revision == grant.Revision;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiring leased keys failed; will try again")]
    private partial void LogFailed(Exception exception);
}
