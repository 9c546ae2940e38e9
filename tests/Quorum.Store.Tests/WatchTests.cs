using System.Text;
using Quorum.Store.Commands;
using Quorum.Store.Native;
using Quorum.Store.Snapshots;
using Quorum.Store.State;
using Quorum.Store.Watching;

namespace Quorum.Store.Tests;

/// <summary>The watch history in the state, and how the hub hands changes to watches.</summary>
public sealed class WatchTests
{
    private static byte[] Key(string key) => Encoding.UTF8.GetBytes(key);

    private static StoreState Apply(StoreState state, long index, params Command[] commands)
        => state.Apply(commands, index, 1, new CommandOutcome[commands.Length]);

    private static ChangeBatch Batch(long revision, string key) => new(revision, [new KeyChange(KeyChangeKind.Put, Key(key), new byte[] { 1 }, revision)]);

    private static async Task<List<ChangeBatch>> ReadAsync(WatchSubscription watch, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var batches = new List<ChangeBatch>();
        await foreach (var batch in watch.ReadAllAsync(timeout.Token))
        {
            batches.Add(batch);
            if (batches.Count == count)
                break;
        }

        return batches;
    }

    [Fact]
    public void The_history_keeps_each_entrys_changes_in_order_and_drops_the_oldest_beyond_its_limit()
    {
        var state = StoreState.Empty.WithHistoryLimits(maxChanges: 3, maxBytes: long.MaxValue);
        state = Apply(state, 2, new PutCommand(Key("a"), [1]), new PutCommand(Key("b"), [2]));
        state = Apply(state, 3, new DeleteCommand(Key("a")), new DeleteCommand(Key("absent")));
        Assert.Equal(1, state.History.FirstRevision);
        Assert.Equal([2L, 3L], state.History.From(1).Select(b => b.Revision));
        var delete = Assert.Single(state.History.From(3).Single().Changes);
        Assert.Equal(KeyChangeKind.Delete, delete.Kind);
        Assert.Equal("a", Encoding.UTF8.GetString(delete.Key.Span));

        state = Apply(state, 4, new PutCommand(Key("c"), [3]));

        Assert.Equal(3, state.History.FirstRevision);
        Assert.Equal([3L, 4L], state.History.From(1).Select(b => b.Revision));
    }

    [Fact]
    public void A_snapshot_round_trips_revisions_leases_and_the_watch_history()
    {
        var lease = new KeyLease(5_000, 1_700_000_000_000);
        var state = StoreState.Empty.WithHistoryLimits(maxChanges: 2, maxBytes: long.MaxValue);
        state = Apply(state, 2, new PutCommand(Key("a"), [1]));
        state = Apply(state, 3, new PutCommand(Key("lease"), [7, 7], Lease: lease));
        state = Apply(state, 4, new DeleteCommand(Key("a")));
        using var stream = new MemoryStream();

        SnapshotFormat.Write(stream, state, CancellationToken.None);
        stream.Position = 0;
        var restored = SnapshotFormat.Read(stream, CancellationToken.None);

        var leased = restored.Find(Key("lease"))!;
        Assert.Equal(new byte[] { 7, 7 }, leased.Value.ToArray());
        Assert.Equal(3, leased.Revision);
        var grant = Assert.Single(restored.EnumerateLeases());
        Assert.Equal(lease, grant.Lease);
        Assert.Equal(3, grant.Revision);
        Assert.Equal(3, restored.History.FirstRevision);
        Assert.Equal(
            state.History.From(1).SelectMany(b => b.Changes).Select(c => (c.Kind, Encoding.UTF8.GetString(c.Key.Span), c.Value.ToArray().Length, c.Revision)),
            restored.History.From(1).SelectMany(b => b.Changes).Select(c => (c.Kind, Encoding.UTF8.GetString(c.Key.Span), c.Value.ToArray().Length, c.Revision)));
    }

    [Fact]
    public async Task A_watch_reads_its_history_then_live_changes_once_each_and_only_under_its_prefix()
    {
        var hub = new WatchHub();
        var watch = hub.Subscribe(Key("app/"), bufferLimit: 100);

        // Revision 3 was applied while the watch started: it is in the history it read and arrives live too.
        hub.Publish(Batch(3, "app/x"));
        watch.Start(startRevision: 2, [Batch(2, "app/a"), Batch(3, "app/x")], historyThrough: 3);
        hub.Publish(Batch(4, "other/y"));
        hub.Publish(Batch(5, "app/z"));

        var batches = await ReadAsync(watch, 3);

        Assert.Equal([2L, 3L, 5L], batches.Select(b => b.Revision));
        Assert.Equal("app/z", Encoding.UTF8.GetString(batches[2].Changes.Single().Key.Span));
        watch.Dispose();
        Assert.Equal(0, hub.Count);
    }

    [Fact]
    public async Task A_watcher_that_falls_too_far_behind_is_cut_off_with_the_revision_to_resume_from()
    {
        var hub = new WatchHub();
        var watch = hub.Subscribe(ReadOnlyMemory<byte>.Empty, bufferLimit: 2);
        watch.Start(1, [], 0);
        for (var revision = 1; revision <= 5; revision++)
            hub.Publish(Batch(revision, "k"));

        var read = new List<long>();
        var cutOff = await Assert.ThrowsAsync<WatchCutOffException>(async () =>
        {
            await foreach (var batch in watch.ReadAllAsync())
                read.Add(batch.Revision);
        });

        Assert.Equal([1L, 2L], read);
        Assert.Equal(3, cutOff.ResumeRevision);
        Assert.Equal(0, hub.Count);
    }

    [Fact]
    public async Task A_state_that_jumps_ahead_sends_the_changes_in_between_from_its_history_or_cuts_watches_off()
    {
        var hub = new WatchHub();
        hub.Publish(Batch(2, "k"));
        var watch = hub.Subscribe(ReadOnlyMemory<byte>.Empty, bufferLimit: 100);
        watch.Start(3, [], 2);

        var snapshot = StoreState.Create(SortedKeyMap<KeyRecord>.Empty, [], Auth.AuthState.Empty, WatchHistory.Create([Batch(2, "k"), Batch(4, "k"), Batch(6, "k")], 1), 6, 1);
        hub.CatchUp(snapshot);
        hub.Publish(Batch(6, "k")); // replayed after the restore: not sent twice
        hub.Publish(Batch(7, "k"));
        Assert.Equal([4L, 6L, 7L], (await ReadAsync(watch, 3)).Select(b => b.Revision));

        var compacted = StoreState.Create(SortedKeyMap<KeyRecord>.Empty, [], Auth.AuthState.Empty, WatchHistory.Create([Batch(20, "k")], 15), 20, 1);
        hub.CatchUp(compacted);
        var cutOff = await Assert.ThrowsAsync<WatchCutOffException>(async () => await ReadAsync(watch, 1));
        Assert.Equal(8, cutOff.ResumeRevision);
    }
}
