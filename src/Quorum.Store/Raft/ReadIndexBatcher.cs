namespace Quorum.Store.Raft;

/// <summary>
/// Shares one read-index request to the leader among all the reads waiting on a follower.
/// </summary>
/// <remarks>
/// A read may only use a read index the leader confirmed after the read began, or it could miss a
/// write completed just before it. So a read that arrives while a request is in flight does not
/// join that request: it waits for the next one, which starts as soon as the current one returns
/// and serves every read that arrived meanwhile. Under load that is one request per round trip,
/// however many reads there are.
/// </remarks>
/// <param name="fetch">Asks the leader for a read index.</param>
internal sealed class ReadIndexBatcher(Func<CancellationToken, Task<long>> fetch)
{
    private readonly Lock gate = new();
    private bool inFlight;
    private TaskCompletionSource<long>? next;

    /// <summary>Gets a read index confirmed after this call.</summary>
    /// <param name="timeout">How long the request to the leader may take.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>The read index.</returns>
    public Task<long> GetAsync(TimeSpan timeout, CancellationToken token)
    {
        TaskCompletionSource<long> waiter;
        bool start;
        lock (gate)
        {
            next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = next;
            start = !inFlight;
            if (start)
            {
                inFlight = true;
                next = null;
            }
        }

        if (start)
            _ = FetchAsync(waiter, timeout);

        return waiter.Task.WaitAsync(token);
    }

    private async Task FetchAsync(TaskCompletionSource<long> waiters, TimeSpan timeout)
    {
        while (true)
        {
            using (var cts = new CancellationTokenSource(timeout))
            {
                try
                {
                    waiters.TrySetResult(await fetch(cts.Token));
                }
                catch (OperationCanceledException e)
                {
                    waiters.TrySetException(new UnavailableException($"The leader did not confirm a read index within {timeout.TotalSeconds:0.###}s. Retry, or read with consistency=stale.", e));
                }
                catch (Exception e)
                {
                    waiters.TrySetException(e);
                }
            }

            lock (gate)
            {
                if (next is null)
                {
                    inFlight = false;
                    return;
                }

                waiters = next;
                next = null;
            }
        }
    }
}
