using Quorum.Chaos.Checker;
using Quorum.Chaos.Cluster;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos.Tests;

public sealed class LeaseCheckerTests
{
    // Times in milliseconds here, microseconds in the checker.
    private static readonly LeaseWrite Write = new("lease/1/0", TimeSpan.FromSeconds(3), Invoke: 1_000_000, Ack: 1_100_000, "n1");

    private static LeaseObservation Look(bool present, long invokeMs, long completeMs, string how = "read")
        => new(Write.Key, how, present, invokeMs * 1000, completeMs * 1000, "n2");

    private static List<LeadershipSample> Steady(long fromMs, long toMs, long term = 1)
        => [.. Enumerable.Range(0, (int)((toMs - fromMs) / 100)).Select(i => new LeadershipSample((fromMs + (i * 100)) * 1000, "n1", term))];

    [Fact]
    public void A_key_gone_after_its_ttl_and_before_its_bound_passes()
    {
        var verdict = LeaseChecker.Check([Write], [Look(true, 3_900, 3_950), Look(false, 4_200, 4_250), Look(false, 4_150, 4_150, "watch")], Steady(0, 10_000));

        Assert.Empty(verdict.Early);
        Assert.Empty(verdict.Late);
        Assert.Equal(150, Assert.Single(verdict.MarginsMilliseconds), 3);
        Assert.Equal(50, Assert.Single(verdict.DelaysMilliseconds), 3);
    }

    [Theory]
    [InlineData("read", 3_990)] // answered 10 ms before sent + TTL
    [InlineData("list", 2_000)]
    [InlineData("watch", 3_999)]
    public void A_key_seen_gone_before_its_ttl_since_it_was_sent_is_early(string how, long completeMs)
    {
        var verdict = LeaseChecker.Check([Write], [Look(false, completeMs - (how == "watch" ? 0 : 50), completeMs, how)], Steady(0, 10_000));

        Assert.Contains($"seen gone by a {how}", Assert.Single(verdict.Early), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_seen_present_by_a_look_asked_after_ack_plus_ttl_plus_slack_is_late_once()
    {
        // Bound: acknowledged 1,100 + 3,000 + 1,000 slack.
        var verdict = LeaseChecker.Check([Write], [Look(true, 5_050, 5_300), Look(true, 5_200, 5_300), Look(true, 5_400, 5_500)], Steady(0, 10_000));

        Assert.Empty(verdict.Early);
        Assert.Contains("0.100s past its bound", Assert.Single(verdict.Late), StringComparison.Ordinal);
    }

    [Fact]
    public void A_leader_change_before_the_key_is_due_restarts_its_ttl_from_when_the_new_leader_is_seen()
    {
        // n2 is first seen leading at 3,000: the key may live until 3,000 + 3,000 + 1,000 slack.
        var timeline = Steady(0, 3_000).Concat(Steady(3_000, 12_000, term: 2)).ToList();

        Assert.Equal(7_000_000, LeaseChecker.LateBound(Write, timeline, seen: 6_900_000));
        Assert.Empty(LeaseChecker.Check([Write], [Look(true, 6_900, 6_950), Look(false, 7_000, 7_050)], timeline).Late);
    }

    [Fact]
    public void Time_with_no_leader_before_the_key_is_due_is_added_to_its_bound()
    {
        // No leader from 2,000 to 4,000 (the samples at 2,100 .. 4,000 see none), then the same leader again.
        var timeline = Steady(0, 2_100).Concat(Enumerable.Range(1, 20).Select(i => new LeadershipSample((2_000 + (i * 100)) * 1000, null, -1))).Concat(Steady(4_100, 12_000)).ToList();

        Assert.Equal(5_100_000 + 2_000_000, LeaseChecker.LateBound(Write, timeline, seen: 7_000_000));
    }

    [Fact]
    public void Time_while_a_link_was_degraded_before_the_look_is_added_to_its_bound_and_the_early_line_stays()
    {
        // Packets lost or delayed from 2 s to 3.5 s: 1.5 s more; a window after the look adds nothing.
        (long, long)[] degraded = [(2_000_000, 3_500_000), (9_000_000, 9_500_000)];

        Assert.Equal(5_100_000 + 1_500_000, LeaseChecker.LateBound(Write, Steady(0, 10_000), seen: 7_000_000, degraded));
        Assert.Empty(LeaseChecker.Check([Write], [Look(true, 6_000, 6_050)], Steady(0, 10_000), degraded).Late);
        Assert.Single(LeaseChecker.Check([Write], [Look(true, 6_000, 6_050)], Steady(0, 10_000)).Late);
        Assert.Single(LeaseChecker.Check([Write], [Look(false, 3_900, 3_950)], Steady(0, 10_000), degraded).Early);
    }

    [Fact]
    public void A_leader_change_after_the_key_was_due_moves_the_bound_only_for_looks_after_it()
    {
        // The leader that held the key at its due time (4,100) may have been cut off already: its
        // successor, seen at 6,000, counts a full TTL from then.
        var timeline = Steady(0, 6_000).Concat(Steady(6_000, 12_000, term: 2)).ToList();

        Assert.Equal(5_100_000, LeaseChecker.LateBound(Write, timeline, seen: 5_800_000));
        Assert.Equal(10_000_000, LeaseChecker.LateBound(Write, timeline, seen: 6_500_000));
        Assert.Single(LeaseChecker.Check([Write], [Look(true, 5_500, 5_600), Look(true, 6_500, 6_600)], timeline).Late);
        Assert.Empty(LeaseChecker.Check([Write], [Look(true, 6_500, 6_600), Look(false, 9_000, 9_100)], timeline).Late);
    }

    [Fact]
    public void A_look_answered_just_before_the_timeline_saw_a_new_leader_counts_that_leader()
    {
        // The new leader answered the look at 5,950; the next sample, at 6,000, is the first to see it.
        var timeline = Steady(0, 6_000).Concat(Steady(6_000, 12_000, term: 2)).ToList();

        Assert.Empty(LeaseChecker.Check([Write], [Look(true, 5_200, 5_950)], timeline).Late);
        Assert.Single(LeaseChecker.Check([Write], [Look(true, 5_200, 5_850)], timeline).Late);
    }
}
