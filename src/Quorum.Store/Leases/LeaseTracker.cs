using Quorum.Store.State;

namespace Quorum.Store.Leases;

/// <summary>
/// When each leased key is due to expire, by this node's monotonic clock. Every node tracks every
/// lease as it applies it, so a new leader starts expiring keys at once; only the leader acts on
/// what is due.
/// </summary>
/// <remarks>
/// A lease is timed from the moment this node applies its write, on this node's monotonic clock, and
/// no wall clock enters it: a node applies an entry no sooner than it was sent, so a deadline of
/// "applied + TTL" is never before "sent + TTL", whatever any node's wall clock says, even on a node
/// whose clock was stepped. A node that applies the write late (replaying its log after a restart,
/// installing a snapshot, catching up after a partition) keeps the key longer if it comes to lead:
/// by at most its own lag, so at most a TTL per leader change. That is the trade etcd makes by
/// restarting every lease when leadership moves; a key may live longer than asked, never shorter.
/// </remarks>
/// <param name="time">The clocks; only the monotonic timestamp is read.</param>
internal sealed class LeaseTracker(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly PriorityQueue<LeaseGrant, long> queue = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the number of leases tracked, including ones whose key has since changed.</summary>
    public int Count
    {
        get
        {
            lock (gate)
                return queue.Count;
        }
    }

    /// <summary>Gets a task that completes when a lease is added that may be due sooner than the ones before.</summary>
    public Task Changed
    {
        get
        {
            lock (gate)
                return changed.Task;
        }
    }

    /// <summary>Tracks a lease just applied.</summary>
    /// <param name="grant">The key, its revision and lease.</param>
    public void Track(LeaseGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        Add(grant, NowMilliseconds() + grant.Lease.TtlMilliseconds);
    }

    /// <summary>Forgets every lease and tracks these instead, as after the state was replaced by a snapshot.</summary>
    /// <param name="grants">The leases of the new state.</param>
    public void Reset(IEnumerable<LeaseGrant> grants)
    {
        lock (gate)
            queue.Clear();

        foreach (var grant in grants)
            Track(grant);
    }

    /// <summary>Tracks a lease again, due after <paramref name="delay"/>: its expiry could not be made now.</summary>
    /// <param name="grant">The lease.</param>
    /// <param name="delay">When to try again.</param>
    public void Retry(LeaseGrant grant, TimeSpan delay) => Add(grant, NowMilliseconds() + (long)delay.TotalMilliseconds);

    /// <summary>Takes every lease that is due.</summary>
    /// <param name="max">The most to take.</param>
    /// <returns>The due leases; their keys may have changed since.</returns>
    public List<LeaseGrant> TakeDue(int max)
    {
        var now = NowMilliseconds();
        var due = new List<LeaseGrant>();
        lock (gate)
        {
            while (due.Count < max && queue.TryPeek(out _, out var deadline) && deadline <= now)
                due.Add(queue.Dequeue());
        }

        return due;
    }

    /// <summary>Gets how long until the next lease is due, or <see langword="null"/> when none is tracked.</summary>
    /// <returns>The wait; zero when one is due.</returns>
    public TimeSpan? UntilNextDue()
    {
        lock (gate)
        {
            return queue.TryPeek(out _, out var deadline)
                ? TimeSpan.FromMilliseconds(Math.Max(0, deadline - NowMilliseconds()))
                : null;
        }
    }

    private void Add(LeaseGrant grant, long deadline)
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            var sooner = !queue.TryPeek(out _, out var first) || deadline < first;
            queue.Enqueue(grant, deadline);
            if (sooner)
            {
                wake = changed;
                changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        wake?.TrySetResult();
    }

    private long NowMilliseconds() => (long)time.GetElapsedTime(0).TotalMilliseconds;
}
