using Quorum.Chaos.Checker;

namespace Quorum.Chaos.Tests;

public sealed class WatchCheckerTests
{
    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);

    // The committed history: puts and a delete at revisions 2..12, the end marker at 12.
    private static readonly WatchedEvent[] History =
    [
        Put("a", "w0", 2), Put("b", "w1", 4), Put("a", "w2", 5), Delete("b", 7), Put("c", "w3", 8), Put("a", "w4", 10), Put("~end", "end", 12),
    ];

    private static readonly Dictionary<string, string> Final = new(StringComparer.Ordinal) { ["a"] = "w4", ["c"] = "w3", ["~end"] = "end" };

    private static WatchedEvent Put(string key, string value, long revision) => new("put", key, value, revision);

    private static WatchedEvent Delete(string key, long revision) => new("delete", key, null, revision);

    private static WatchSegment Reference => new(1, Empty, History, 12);

    private static WatcherHistory Watcher(params WatchSegment[] segments) => new("w", segments, ReachedEnd: true, 0, 0);

    private static WatchVerdict Check(WatchSegment reference, WatcherHistory watcher, WatchedEvent[]? acknowledged = null, string[]? refused = null)
        => WatchChecker.Check(reference, [watcher], acknowledged ?? [History[1], History[3], History[5]], (refused ?? []).ToHashSet(StringComparer.Ordinal), Final);

    [Fact]
    public void A_watcher_that_saw_the_whole_committed_history_passes()
    {
        var verdict = Check(Reference, Watcher(new WatchSegment(1, Empty, History, 12)));

        Assert.Empty(verdict.Problems);
        Assert.Equal(History.Length, verdict.EventsChecked);
    }

    [Fact]
    public void A_dropped_change_is_a_gap()
    {
        var verdict = Check(Reference, Watcher(new WatchSegment(1, Empty, [.. History.Where(e => e.Revision != 5)], 12)));

        Assert.Equal("w: stretch 1..12: gap: missing change 5 put a=w2, next seen 7 delete b", Assert.Single(verdict.Problems));
    }

    [Fact]
    public void A_repeated_change_and_a_changed_value_are_caught()
    {
        var repeated = Check(Reference, Watcher(new WatchSegment(1, Empty, [.. History[..3], History[2], .. History[3..]], 12)));
        Assert.Contains("w: change 5 put a=w2 after 5 put a=w2 (repeated or out of order)", repeated.Problems);

        var changed = Check(Reference, Watcher(new WatchSegment(1, Empty, [.. History[..2], Put("a", "other", 5), .. History[3..]], 12)));
        Assert.Equal("w: stretch 1..12: change 5 put a=other where the committed history has 5 put a=w2", Assert.Single(changed.Problems));
    }

    [Fact]
    public void A_restart_from_a_listing_after_a_410_is_checked_from_the_listing_on()
    {
        // Stretch 1 covered 1..4, then a 410; the listing at revision 8 starts stretch 2 at 9.
        var atEight = new Dictionary<string, string>(StringComparer.Ordinal) { ["a"] = "w2", ["c"] = "w3" };
        var first = new WatchSegment(1, Empty, History[..2], 4);

        Assert.Empty(Check(Reference, Watcher(first, new WatchSegment(9, atEight, History[5..], 12))).Problems);

        var wrongListing = new Dictionary<string, string>(atEight) { ["a"] = "w0" };
        Assert.Equal(
            "w: its listing at revision 8 differs from the reference's state there: a=w2 expected, w0 found",
            Assert.Single(Check(Reference, Watcher(first, new WatchSegment(9, wrongListing, History[5..], 12))).Problems));
    }

    [Fact]
    public void A_stretch_begun_from_a_listing_after_the_end_marker_passes_and_a_change_past_the_marker_does_not()
    {
        var final = new Dictionary<string, string>(Final);
        var first = new WatchSegment(1, Empty, History[..2], 4);

        Assert.Empty(Check(Reference, Watcher(first, new WatchSegment(15, final, [], 14))).Problems);
        Assert.Equal(
            "w: change 13 put d=x after the end marker at 12",
            Assert.Single(Check(Reference, Watcher(new WatchSegment(1, Empty, [.. History, Put("d", "x", 13)], 13))).Problems));
    }

    [Fact]
    public void The_reference_must_hold_every_acknowledged_write_no_refused_one_and_replay_to_the_final_listing()
    {
        var reference = new WatchSegment(1, Empty, [.. History.Where(e => e.Revision != 4)], 12);
        var verdict = Check(reference, Watcher(reference), refused: ["w3"]);

        Assert.Contains("reference: acknowledged write 4 put b=w1 missing", verdict.Problems);
        Assert.Contains("reference: change 8 put c=w3 of a write that was refused", verdict.Problems);
    }

    [Fact]
    public void Below_a_late_reference_only_the_acknowledged_writes_are_checked_and_a_watcher_must_reach_the_end()
    {
        var late = new WatchSegment(6, null, History[3..], 12);
        Assert.Empty(Check(late, Watcher(new WatchSegment(1, Empty, History, 12))).Problems);

        var missingAcknowledged = Check(late, Watcher(new WatchSegment(1, Empty, [.. History.Where(e => e.Revision != 4)], 12)));
        Assert.Equal("w: acknowledged write 4 put b=w1 missing", Assert.Single(missingAcknowledged.Problems));

        var stopped = WatchChecker.Check(Reference, [new WatcherHistory("w", [new WatchSegment(1, Empty, History[..4], 7)], ReachedEnd: false, 0, 0)], [], new HashSet<string>(), Final);
        Assert.Equal("w: never reached the end marker at revision 12", Assert.Single(stopped.Problems));
    }
}
