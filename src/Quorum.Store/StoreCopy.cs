using Quorum.Store.Native;
using Quorum.Store.Snapshots;
using Quorum.Store.State;

namespace Quorum.Store;

/// <summary>
/// A point-in-time copy of the whole replicated state, captured by <see cref="QuorumStore.CopyAsync"/>
/// and not yet written out. Writes go on while it is held: it pins one immutable version of the
/// state, and the keys and values that later writes replace are freed only once it is disposed.
/// Dispose it promptly.
/// </summary>
public sealed class StoreCopy : IDisposable
{
    private readonly StoreState state;
    private EntryReclaimer.ReadScope? read;

    internal StoreCopy(StoreState state, EntryReclaimer.ReadScope read)
    {
        this.state = state;
        this.read = read;
    }

    /// <summary>Gets the store revision the copy reflects: every write with a revision up to it, and none after.</summary>
    public long Revision => state.Index;

    /// <summary>Gets the number of live keys in the copy.</summary>
    public long KeyCount => state.Keys.Count;

    /// <summary>Writes the copy as a backup file (see <c>Snapshots/BackupFormat.cs</c> for the layout).</summary>
    /// <param name="destination">Where to write; written front to back and left open. Synchronous writes must be allowed on it.</param>
    /// <param name="token">Cancels the write.</param>
    /// <exception cref="ObjectDisposedException">The copy was disposed.</exception>
    public void WriteTo(Stream destination, CancellationToken token = default)
    {
        ObjectDisposedException.ThrowIf(read is null, this);
        BackupFormat.Write(destination, state, token);
    }

    /// <summary>
    /// Writes the copy as <see cref="WriteTo"/> does, on a thread of its own: the writer is
    /// synchronous, and blocked on a slow destination it would otherwise hold a pool thread for as
    /// long as the copy takes.
    /// </summary>
    /// <param name="destination">Where to write; synchronous writes must be allowed on it.</param>
    /// <param name="token">Cancels the write.</param>
    /// <returns>A task that completes when the copy is written.</returns>
    public Task WriteOnOwnThreadAsync(Stream destination, CancellationToken token = default)
        => Task.Factory.StartNew(() => WriteTo(destination, token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Releases the pinned version of the state.</summary>
    public void Dispose()
    {
        read?.Dispose();
        read = null;
    }
}
