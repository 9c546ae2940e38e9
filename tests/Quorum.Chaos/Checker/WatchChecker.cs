namespace Quorum.Chaos.Checker;

/// <summary>One change a watch reported, value decoded.</summary>
/// <param name="Type"><c>put</c> or <c>delete</c>.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value put, or <see langword="null"/> for a delete.</param>
/// <param name="Revision">Its revision.</param>
internal sealed record WatchedEvent(string Type, string Key, string? Value, long Revision)
{
    public override string ToString() => $"{Revision} {Type} {Key}{(Value is null ? string.Empty : "=" + Value)}";
}

/// <summary>
/// A stretch of history a watch claims to cover without a gap: every change to the prefix from
/// revision <paramref name="From"/> through <paramref name="Through"/>, starting from the prefix's
/// state <paramref name="Base"/> at <c>From - 1</c> (<see langword="null"/> when not known).
/// A watcher's stretch ends only where the server said it could not go on (a 410): it then lists the
/// prefix and watches on from the listing's revision + 1, which starts its next stretch.
/// </summary>
internal sealed record WatchSegment(long From, IReadOnlyDictionary<string, string>? Base, IReadOnlyList<WatchedEvent> Events, long Through);

/// <summary>What one watcher saw: its stretches in order, and whether it reached the end marker.</summary>
internal sealed record WatcherHistory(string Name, IReadOnlyList<WatchSegment> Segments, bool ReachedEnd, int Reconnects, int Gone);

/// <summary>What <see cref="WatchChecker.Check"/> found.</summary>
internal sealed record WatchVerdict(int EventsChecked, long ReferenceFrom, IReadOnlyList<string> Problems);

/// <summary>
/// Checks what watchers saw against the committed history of their prefix. The reference is a
/// final watch read on the healed cluster (from revision 1, or from the oldest revision a node
/// still keeps), itself checked against what clients know for certain: every acknowledged put
/// is in it at the revision its answer gave, no certainly refused write is, and, read from
/// revision 1, it replays to the final linearizable listing. Each watcher's stretch must then be
/// exactly the reference's changes over the revisions it covers: in order, none missing, none
/// repeated or invented, same keys, values and revisions. Below the reference's start only the
/// acknowledged and refused writes can be checked.
/// </summary>
internal static class WatchChecker
{
    private const int MaxProblemsPerWatcher = 5;

    public static WatchVerdict Check(
        WatchSegment reference,
        IReadOnlyList<WatcherHistory> watchers,
        IReadOnlyList<WatchedEvent> acknowledged,
        IReadOnlySet<string> refusedValues,
        IReadOnlyDictionary<string, string>? finalListing)
    {
        var problems = new List<string>();
        problems.AddRange(Ordering("reference", reference.Events));
        problems.AddRange(Anchored("reference", reference.From, reference.Through, reference.Events, acknowledged, refusedValues));
        if (reference.Base is not null && finalListing is not null)
        {
            var replayed = Replay(reference.Base, reference.Events, reference.Through);
            if (Difference(replayed, finalListing) is { } difference)
                problems.Add($"reference: replayed to revision {reference.Through} it differs from the final listing: {difference}");
        }

        var checkedEvents = 0;
        foreach (var watcher in watchers)
        {
            var found = new List<string>();
            foreach (var segment in watcher.Segments)
            {
                checkedEvents += segment.Events.Count;
                found.AddRange(Ordering(watcher.Name, segment.Events));
                found.AddRange(segment.Events.Where(e => e.Revision < segment.From || e.Revision > segment.Through).Select(e => $"{watcher.Name}: event {e} outside its stretch {segment.From}..{segment.Through}"));

                // Up to the end marker: a stretch begun from a listing read after it may reach past it.
                var (low, high) = (Math.Max(segment.From, reference.From), Math.Min(segment.Through, reference.Through));
                var expected = reference.Events.Where(e => e.Revision >= low && e.Revision <= high).ToArray();
                var actual = segment.Events.Where(e => e.Revision >= low && e.Revision <= high).ToArray();
                if (FirstDifference(expected, actual) is { } difference)
                    found.Add($"{watcher.Name}: stretch {segment.From}..{segment.Through}: {difference}");

                found.AddRange(segment.Events.Where(e => e.Revision > reference.Through).Select(e => $"{watcher.Name}: change {e} after the end marker at {reference.Through}"));

                if (segment.From < reference.From)
                    found.AddRange(Anchored(watcher.Name, segment.From, Math.Min(segment.Through, reference.From - 1), segment.Events, acknowledged, refusedValues));

                if (segment.Base is not null && reference.Base is not null && segment.From >= reference.From
                    && Difference(Replay(reference.Base, reference.Events, segment.From - 1), segment.Base) is { } baseDifference)
                {
                    found.Add($"{watcher.Name}: its listing at revision {segment.From - 1} differs from the reference's state there: {baseDifference}");
                }
            }

            if (!watcher.ReachedEnd)
                found.Add($"{watcher.Name}: never reached the end marker at revision {reference.Through}");

            problems.AddRange(found.Take(MaxProblemsPerWatcher));
        }

        return new WatchVerdict(checkedEvents, reference.From, problems);
    }

    // The first place two sequences of changes part: a change missing, one extra, or one different.
    private static string? FirstDifference(WatchedEvent[] expected, WatchedEvent[] actual)
    {
        for (var i = 0; i < Math.Max(expected.Length, actual.Length); i++)
        {
            var want = i < expected.Length ? expected[i] : null;
            var got = i < actual.Length ? actual[i] : null;
            if (want == got)
                continue;

            return (want, got) switch
            {
                (null, _) => $"extra change {got} after the last one committed",
                (_, null) => $"missing change {want} (and {expected.Length - i - 1} after it)",
                _ when got!.Revision > want!.Revision => $"gap: missing change {want}, next seen {got}",
                _ when got.Revision < want.Revision => $"extra change {got} before {want}",
                _ => $"change {got} where the committed history has {want}",
            };
        }

        return null;
    }

    // Revisions strictly increase: none repeated, none out of order.
    private static IEnumerable<string> Ordering(string who, IReadOnlyList<WatchedEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Revision <= events[i - 1].Revision)
                yield return $"{who}: change {events[i]} after {events[i - 1]} (repeated or out of order)";
        }
    }

    // Within from..through: every acknowledged write is there at its revision, no refused one anywhere.
    private static IEnumerable<string> Anchored(string who, long from, long through, IReadOnlyList<WatchedEvent> events, IReadOnlyList<WatchedEvent> acknowledged, IReadOnlySet<string> refusedValues)
    {
        var byRevision = events.GroupBy(static e => e.Revision).ToDictionary(static g => g.Key, static g => g.ToArray());
        foreach (var write in acknowledged.Where(w => w.Revision >= from && w.Revision <= through))
        {
            if (!byRevision.TryGetValue(write.Revision, out var seen) || !seen.Contains(write))
                yield return $"{who}: acknowledged write {write} missing";
        }

        foreach (var e in events.Where(e => e.Value is not null && refusedValues.Contains(e.Value)))
            yield return $"{who}: change {e} of a write that was refused";
    }

    private static Dictionary<string, string> Replay(IReadOnlyDictionary<string, string> start, IEnumerable<WatchedEvent> events, long through)
    {
        var state = new Dictionary<string, string>(start, StringComparer.Ordinal);
        foreach (var e in events.Where(e => e.Revision <= through))
        {
            if (e.Type == "delete")
                state.Remove(e.Key);
            else
                state[e.Key] = e.Value!;
        }

        return state;
    }

    private static string? Difference(Dictionary<string, string> expected, IReadOnlyDictionary<string, string> actual)
    {
        foreach (var (key, value) in expected)
        {
            if (!actual.TryGetValue(key, out var other))
                return $"{key}={value} expected, absent";
            if (other != value)
                return $"{key}={value} expected, {other} found";
        }

        return actual.Keys.FirstOrDefault(k => !expected.ContainsKey(k)) is { } extra ? $"{extra} found, not expected" : null;
    }
}
