using Quorum.Store.Native;
using Quorum.Store.Raft;
using Quorum.Store.Snapshots;
using Quorum.Store.State;
using Quorum.Store.Storage;

namespace Quorum.Store;

/// <summary>
/// Backup files on disk: saving one whole or not at all, checking one, and restoring one as the
/// data directory of the first node of a new cluster.
/// </summary>
public static class BackupFile
{
    /// <summary>
    /// How far above a backup's revision a restored cluster's revisions start, unless told otherwise:
    /// the cluster the backup came from may have gone on writing after it was taken, and a revision
    /// it handed out must never be handed out again for another write.
    /// </summary>
    public const long DefaultRevisionBump = 1_000_000_000;

    /// <summary>Checks a backup file's checksum and reads its header.</summary>
    /// <param name="path">The file.</param>
    /// <param name="token">Cancels the check.</param>
    /// <returns>What it holds.</returns>
    /// <exception cref="BackupException">The file is damaged or not a backup.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static BackupInfo Verify(string path, CancellationToken token = default)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            return BackupFormat.Verify(file, token);
        }
        catch (InvalidDataException e)
        {
            throw new BackupException($"{path} is damaged: {e.Message}.", e);
        }
    }

    /// <summary>
    /// Saves a backup: writes it to a temporary file next to <paramref name="path"/>, flushes it to
    /// disk, checks its checksum, then renames it into place; on any failure nothing is left behind.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the backup's bytes to the stream it is given.</param>
    /// <param name="token">Cancels the save.</param>
    /// <returns>What the saved file holds.</returns>
    /// <exception cref="BackupException">What was written is not an intact backup (such as a transfer cut short).</exception>
    public static async Task<BackupInfo> SaveAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            await using (stream)
            {
                await write(stream, token);
                await stream.FlushAsync(token);
                stream.Flush(flushToDisk: true);
            }

            var info = Verify(temporary, token);
            File.Move(temporary, full, overwrite: true);
            NativeFile.SyncDirectory(folder);
            return info;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Makes a data directory for the first node of a new cluster that holds exactly a backup's data:
    /// its keys with their values, revisions and leases, its users, roles and auth setting. The
    /// node's revisions continue <paramref name="revisionBump"/> above the backup's, and its watch
    /// history starts there, so a watch from an older revision is told the history is compacted.
    /// Start the node on it with no <c>--join</c>; other nodes then join it as usual.
    /// </summary>
    /// <param name="path">The backup file.</param>
    /// <param name="options">The new node: its data directory (which must be empty or absent), ID and addresses.</param>
    /// <param name="revisionBump">How far above the backup's revision the new cluster's revisions start.</param>
    /// <param name="token">Cancels the restore.</param>
    /// <returns>What the backup held, and the revision the new cluster's state starts at.</returns>
    /// <exception cref="BackupException">The file is damaged (nothing is written), or the data directory is not empty.</exception>
    public static (BackupInfo Backup, long Revision) Restore(string path, StoreOptions options, long revisionBump = DefaultRevisionBump, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(revisionBump);
        if (!NetworkAddress.TryParse(options.AdvertisedRaftAddress, out var raftAddress))
            throw new ArgumentException($"Raft address '{options.AdvertisedRaftAddress}' is not host:port.", nameof(options));

        var target = Path.GetFullPath(options.DataDirectory);
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            throw new BackupException($"The data directory {target} is not empty; a restore makes a new one. Choose an empty or absent directory. Nothing was written.");

        BackupInfo info;
        StoreState copy;
        try
        {
            (info, copy) = BackupFormat.Read(path, token);
        }
        catch (InvalidDataException e)
        {
            throw new BackupException($"{path} is damaged: {e.Message}. Nothing was written.", e);
        }

        var existed = Directory.Exists(target);
        try
        {
            var revision = checked(info.Revision + revisionBump);
            var identity = new NodeIdentity(options.NodeId ?? NodeIdentity.NewId(), NetworkAddress.Format(raftAddress));
            var self = new MemberInfo(identity.Id, identity.RaftAddress, options.HttpAddress);

            // A new cluster: only this node in the member table (the others are added as they
            // join), an empty watch history that begins after the new revision, and term 0 so any
            // term the new cluster elects is above the snapshot's.
            var restored = StoreState.Create(copy.Keys, [self], copy.Auth, WatchHistory.Create([], revision + 1), revision, 0);
            using var directory = DataDirectory.Open(target);
            identity.Write(directory.IdentityFile);
            new SnapshotDirectory(directory.SnapshotPath).Write(restored, token);
            return (info, revision);
        }
        catch
        {
            // Leave the directory as it was found: absent, or empty.
            if (Directory.Exists(target))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(target))
                {
                    if (Directory.Exists(entry))
                        Directory.Delete(entry, recursive: true);
                    else
                        File.Delete(entry);
                }

                if (!existed)
                    Directory.Delete(target);
            }

            throw;
        }
        finally
        {
            foreach (var entry in copy.Keys.Enumerate())
                entry.Item.Free();
        }
    }
}
