using System.Text;
using Quorum.Store.Commands;
using Quorum.Store.Leases;
using Quorum.Store.State;

namespace Quorum.Store.Tests;

/// <summary>Leases: expiry decided from the tracker's clocks, applied only to the version that was leased.</summary>
public sealed class LeaseTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("service/a");

    private static StoreState Apply(StoreState state, long index, Command command)
        => state.Apply([command], index, 1, new CommandOutcome[1]);

    [Fact]
    public void An_expiry_deletes_only_the_leased_version_and_a_later_write_without_ttl_makes_the_key_permanent()
    {
        var lease = new KeyLease(1_000, 0);
        var leased = Apply(StoreState.Empty, 5, new PutCommand(Key, [1], Lease: lease));
        Assert.Equal(5, Assert.Single(leased.EnumerateLeases()).Revision);

        var expired = Apply(leased, 6, new ExpireCommand(Key, 5));
        Assert.Null(expired.Find(Key));
        var delete = Assert.Single(expired.History.From(6).Single().Changes);
        Assert.Equal((KeyChangeKind.Delete, 6L), (delete.Kind, delete.Revision));

        var refreshed = Apply(leased, 6, new PutCommand(Key, [2], Lease: lease));
        Assert.NotNull(Apply(refreshed, 7, new ExpireCommand(Key, 5)).Find(Key));

        var permanent = Apply(leased, 6, new PutCommand(Key, [3]));
        Assert.Empty(permanent.EnumerateLeases());
        Assert.NotNull(Apply(permanent, 7, new ExpireCommand(Key, 6)).Find(Key));
    }

    [Fact]
    public void A_lease_applied_as_it_commits_is_due_its_ttl_later_never_sooner()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var tracker = new LeaseTracker(time);
        tracker.Track(new LeaseGrant(Key, 5, new KeyLease(10_000, 1_000_000 - 20)));

        time.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.Empty(tracker.TakeDue(10));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(5, Assert.Single(tracker.TakeDue(10)).Revision);
    }

    [Fact]
    public void A_lease_applied_long_after_its_grant_is_due_by_the_grant_time_plus_ttl_plus_the_allowance()
    {
        // As when a node replays its log after a restart: the write was granted 8 s ago with a 10 s TTL.
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var tracker = new LeaseTracker(time);
        tracker.Track(new LeaseGrant(Key, 5, new KeyLease(10_000, 1_000_000 - 8_000)));

        var allowance = (long)LeaseTracker.ClockAllowance.TotalMilliseconds;
        time.Advance(TimeSpan.FromMilliseconds(2_000 + allowance - 1));
        Assert.Empty(tracker.TakeDue(10));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Single(tracker.TakeDue(10));
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private long elapsedTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => elapsedTicks += by.Ticks;

        public override DateTimeOffset GetUtcNow() => start.AddTicks(elapsedTicks);

        public override long GetTimestamp() => elapsedTicks;
    }
}
