using DotNext.IO;
using Quorum.Store.Native;
using Quorum.Store.State;

namespace Quorum.Store.Snapshots;

/// <summary>
/// The folder that holds a node's snapshots. A snapshot appears there whole or not at all: it is
/// written to a temporary file, flushed, checked, renamed into place, and the rename is flushed too.
/// </summary>
internal sealed class SnapshotDirectory
{
    private const string TemporaryExtension = ".tmp";
    private const int BufferSize = 1 << 20;

    private readonly string path;

    /// <summary>Initializes a new instance of the <see cref="SnapshotDirectory"/> class, removing leftovers of interrupted writes.</summary>
    /// <param name="path">The folder; created when missing.</param>
    public SnapshotDirectory(string path)
    {
        this.path = path;
        Directory.CreateDirectory(path);
        foreach (var leftover in Directory.EnumerateFiles(path, "*" + TemporaryExtension))
            File.Delete(leftover);
    }

    /// <summary>Finds the newest snapshot.</summary>
    /// <returns>The snapshot with the highest index, or <see langword="null"/> when there is none.</returns>
    public SnapshotFile? FindLatest() => List().MaxBy(static s => s.Index);

    /// <summary>Reads and verifies a snapshot.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="token">Cancels the read.</param>
    /// <returns>The state it holds.</returns>
    /// <exception cref="DataDirectoryException">The file is damaged or does not match its name.</exception>
    public static StoreState Load(SnapshotFile snapshot, CancellationToken token)
    {
        StoreState state;
        try
        {
            using var stream = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
            state = SnapshotFormat.Read(stream, token);
        }
        catch (InvalidDataException e)
        {
            throw new DataDirectoryException($"Snapshot {snapshot.Path} is damaged ({e.Message}); refusing to use it. Restore the data directory from a backup, or remove it and let the node rejoin its cluster.", e);
        }

        if (state.Index != snapshot.Index || state.Term != snapshot.Term)
        {
            throw new DataDirectoryException($"Snapshot {snapshot.Path} holds index {state.Index} term {state.Term}, which does not match its name; refusing to use it.");
        }

        return state;
    }

    /// <summary>Writes a snapshot of a state.</summary>
    /// <param name="state">The state; its index and term name the file.</param>
    /// <param name="token">Cancels the write.</param>
    /// <returns>The new snapshot.</returns>
    public SnapshotFile Write(StoreState state, CancellationToken token)
    {
        var temporary = NewTemporaryPath();
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                SnapshotFormat.Write(stream, state, token);
                stream.Flush(flushToDisk: true);
            }

            return Publish(temporary, state.Index, state.Term);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Stores a snapshot received from the leader, after checking it is intact.</summary>
    /// <param name="content">The snapshot's bytes, as the leader sent them.</param>
    /// <param name="index">The log index it reflects.</param>
    /// <param name="term">The term of that entry.</param>
    /// <param name="token">Cancels the transfer.</param>
    /// <returns>The new snapshot and the state it holds.</returns>
    /// <exception cref="DataDirectoryException">The received snapshot is damaged.</exception>
    public async Task<(SnapshotFile Snapshot, StoreState State)> InstallAsync(IDataTransferObject content, long index, long term, CancellationToken token)
    {
        var temporary = NewTemporaryPath();
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (stream)
            {
                var buffer = new byte[BufferSize];
                await content.WriteToAsync(IAsyncBinaryWriter.Create(stream, buffer), token);
                await stream.FlushAsync(token);
                stream.Flush(flushToDisk: true);
            }

            var state = Load(new SnapshotFile(temporary, index, term), token);
            return (Publish(temporary, index, term), state);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Deletes every snapshot older than <paramref name="index"/>.</summary>
    /// <param name="index">The index of the snapshot to keep.</param>
    public void DeleteOlderThan(long index)
    {
        foreach (var snapshot in List())
        {
            if (snapshot.Index < index)
                File.Delete(snapshot.Path);
        }
    }

    private IEnumerable<SnapshotFile> List()
        => Directory.EnumerateFiles(path).Select(SnapshotFile.TryParse).OfType<SnapshotFile>();

    private string NewTemporaryPath() => Path.Combine(path, Path.GetRandomFileName() + TemporaryExtension);

    private SnapshotFile Publish(string temporary, long index, long term)
    {
        var final = Path.Combine(path, SnapshotFile.FileName(index, term));
        File.Move(temporary, final, overwrite: true);
        NativeFile.SyncDirectory(path);
        return new SnapshotFile(final, index, term);
    }
}
