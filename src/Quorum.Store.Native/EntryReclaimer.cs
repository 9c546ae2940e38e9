namespace Quorum.Store.Native;

/// <summary>
/// Decides when the block of an entry the applier has replaced or removed may be freed: once no
/// reader that could have seen it is still reading.
/// </summary>
/// <remarks>
/// <para>
/// Epoch-based reclamation with two reader counters. A reader enters the current epoch (counts
/// itself in that epoch's counter) before it takes a version of the state, and leaves when it has
/// copied out what it needs. The applier retires entries it unlinks into the current epoch's list;
/// after each applied log entry it moves on to the next epoch if nobody is still reading in the
/// previous one, and frees what was retired in that previous epoch. Why that is safe: an entry
/// retired in epoch e-1 is unlinked before the applier moves to epoch e, so a reader that entered
/// in epoch e or later takes a version without it; a reader from epoch e-1 or earlier is counted in
/// e-1's counter (e-2's reader drained before the move to e), and the applier waits for that to be
/// zero. Epochs e-1 and e+1 share a counter, which is why the applier never moves more than one
/// epoch past the oldest reader.
/// </para>
/// <para>
/// A reader that read the epoch just before it changed counts itself in the wrong counter for a
/// moment, sees the epoch moved and tries again; it reads nothing meanwhile. Readers are short
/// (a lookup and a copy) except a snapshot being written, which holds back freeing for its
/// duration; what is retired meanwhile waits, bounded by the write rate.
/// </para>
/// </remarks>
internal sealed class EntryReclaimer
{
    private readonly long[] readers = new long[2];
    private List<KeyWithPayload> retiredNow = [];
    private List<KeyWithPayload> retiredBefore = [];
    private long epoch;
    private volatile bool closed;

    /// <summary>Gets how many retired entries wait to be freed; for tests and diagnostics.</summary>
    public int Pending => retiredNow.Count + retiredBefore.Count;

    /// <summary>Gets how many entries have been freed; for tests and diagnostics.</summary>
    public long Freed { get; private set; }

    /// <summary>Enters a read: until the scope is disposed, no entry of a version taken after this call is freed.</summary>
    /// <returns>The scope; dispose it when done reading (and copying out).</returns>
    public ReadScope Enter()
    {
        while (true)
        {
            var seen = Volatile.Read(ref epoch);
            var parity = (int)(seen & 1);
            Interlocked.Increment(ref readers[parity]);
            if (closed)
            {
                Interlocked.Decrement(ref readers[parity]);
                throw new ObjectDisposedException(nameof(EntryReclaimer), "The state is closed: its node stopped or restarted.");
            }

            if (Volatile.Read(ref epoch) == seen)
                return new ReadScope(this, parity);

            Interlocked.Decrement(ref readers[parity]);
        }
    }

    /// <summary>Hands over an entry the applier has unlinked from the state; it is freed once no reader can see it.</summary>
    /// <param name="entry">The entry.</param>
    /// <remarks>Only the applier calls this, one call at a time with <see cref="Reclaim"/>.</remarks>
    public void Retire(KeyWithPayload entry)
    {
        if (!entry.IsEmpty)
            retiredNow.Add(entry);
    }

    /// <summary>Frees what no reader can see any more, and moves to the next epoch when it can.</summary>
    /// <remarks>Only the applier calls this, after it has published the change that retired the entries.</remarks>
    public void Reclaim()
    {
        if (retiredNow.Count == 0 && retiredBefore.Count == 0)
            return;

        var current = Volatile.Read(ref epoch);
        if (Volatile.Read(ref readers[(int)((current + 1) & 1)]) != 0)
            return;

        // Everyone who entered before the current epoch has left: what was retired in the
        // previous epoch is unreachable.
        foreach (var entry in retiredBefore)
            entry.Free();
        Freed += retiredBefore.Count;
        retiredBefore.Clear();
        (retiredBefore, retiredNow) = (retiredNow, retiredBefore);
        Interlocked.Increment(ref epoch);
    }

    /// <summary>
    /// Closes the state to readers: new reads throw <see cref="ObjectDisposedException"/>; once the
    /// reads in progress have left, everything retired is freed, and so are the entries
    /// <paramref name="live"/> yields (the state as the applier last had it).
    /// </summary>
    /// <param name="live">The entries still in the state; enumerated only after the last reader left.</param>
    /// <param name="token">Gives up waiting for readers (and frees nothing).</param>
    /// <returns>A task that completes when everything is freed.</returns>
    public async Task CloseAsync(Func<IEnumerable<KeyWithPayload>> live, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(live);
        closed = true;

        // A reader counts itself before it looks at the flag, and the flag is set before the
        // counters are read, so each side sees the other: no reader gets past Enter from here on.
        Interlocked.MemoryBarrier();
        while (Volatile.Read(ref readers[0]) + Volatile.Read(ref readers[1]) != 0)
            await Task.Delay(1, token);

        FreeAllRetired();
        foreach (var entry in live())
            entry.Free();
    }

    private void FreeAllRetired()
    {
        foreach (var entry in retiredBefore)
            entry.Free();
        foreach (var entry in retiredNow)
            entry.Free();
        Freed += retiredBefore.Count + retiredNow.Count;
        retiredBefore.Clear();
        retiredNow.Clear();
    }

    private void Leave(int parity) => Interlocked.Decrement(ref readers[parity]);

    /// <summary>A read in progress; see <see cref="Enter"/>.</summary>
    public readonly struct ReadScope : IDisposable
    {
        private readonly EntryReclaimer? owner;
        private readonly int parity;

        internal ReadScope(EntryReclaimer owner, int parity)
        {
            this.owner = owner;
            this.parity = parity;
        }

        /// <summary>Ends the read.</summary>
        public void Dispose() => owner?.Leave(parity);
    }
}
