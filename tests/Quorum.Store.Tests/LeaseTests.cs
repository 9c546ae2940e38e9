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

    [Theory]
    [InlineData(-8_000, 0)] // replaying the log after a restart: granted 8 s ago by the leader's wall clock
    [InlineData(-3_600_000, 0)] // a leader whose clock ran an hour behind
    [InlineData(3_600_000, 0)] // a leader whose clock ran an hour ahead
    [InlineData(0, -30_000)] // this node's wall clock 30 s behind the leader's when it applies the write, then stepped back
    [InlineData(0, 30_000)] // ... or 30 s ahead
    public void A_lease_is_due_its_ttl_after_this_node_applies_it_whatever_any_wall_clock_says(long grantStampOffset, long wallClockStep)
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var tracker = new LeaseTracker(time);
        time.StepWallClock(TimeSpan.FromMilliseconds(wallClockStep));
        tracker.Track(new LeaseGrant(Key, 5, new KeyLease(10_000, 1_000_000 + grantStampOffset)));

        time.StepWallClock(TimeSpan.FromMilliseconds(-wallClockStep));
        time.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.Empty(tracker.TakeDue(10));
        Assert.Equal(TimeSpan.FromMilliseconds(1), tracker.UntilNextDue());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(5, Assert.Single(tracker.TakeDue(10)).Revision);
    }

    /// <summary>A clock the test moves by hand: time passing moves both clocks, a step only the wall clock.</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private long elapsedTicks;
        private long wallClockStepTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => elapsedTicks += by.Ticks;

        public void StepWallClock(TimeSpan by) => wallClockStepTicks += by.Ticks;

        public override DateTimeOffset GetUtcNow() => start.AddTicks(elapsedTicks + wallClockStepTicks);

        public override long GetTimestamp() => elapsedTicks;
    }
}
