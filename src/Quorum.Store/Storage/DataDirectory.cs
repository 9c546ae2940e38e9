using System.Globalization;
using Quorum.Store.Native;

namespace Quorum.Store.Storage;

/// <summary>
/// A node's data directory, owned by one process at a time through an exclusive flock on its
/// <c>LOCK</c> file, held for as long as the node runs.
/// </summary>
/// <remarks>
/// Layout: <c>LOCK</c> (the lock, holding the owner's PID), <c>node.json</c> (identity),
/// <c>cluster.config</c> (Raft membership), <c>wal/</c> (the write-ahead log), <c>snapshots/</c>,
/// and <c>join.pending</c> while a node started to join a cluster has not yet confirmed it is a member.
/// </remarks>
internal sealed class DataDirectory : IDisposable
{
    /// <summary>The name of the identity file.</summary>
    public const string IdentityFileName = "node.json";

    private int lockDescriptor;

    private DataDirectory(string path, int lockDescriptor)
    {
        Path = path;
        this.lockDescriptor = lockDescriptor;
    }

    /// <summary>Gets the directory's full path.</summary>
    public string Path { get; }

    /// <summary>Gets the identity file's path.</summary>
    public string IdentityFile => System.IO.Path.Combine(Path, IdentityFileName);

    /// <summary>Gets the cluster configuration file's path.</summary>
    public string ClusterConfigurationFile => System.IO.Path.Combine(Path, "cluster.config");

    /// <summary>Gets the write-ahead log's folder.</summary>
    public string LogPath => System.IO.Path.Combine(Path, "wal");

    /// <summary>Gets the snapshots' folder.</summary>
    public string SnapshotPath => System.IO.Path.Combine(Path, "snapshots");

    /// <summary>Gets a value indicating that the directory already belongs to a cluster.</summary>
    public bool HasClusterState => File.Exists(ClusterConfigurationFile);

    /// <summary>
    /// Gets or sets a value indicating that this node was started to join a cluster and has not yet
    /// confirmed that it is a member of the cluster's latest configuration. Kept as a file so that a
    /// node restarted part-way through joining (with some of the log, but perhaps only the part that
    /// predates its addition) goes on asking rather than deciding from that history.
    /// </summary>
    public bool JoinPending
    {
        get => File.Exists(JoinPendingFile);
        set
        {
            if (value)
                File.WriteAllText(JoinPendingFile, "this node waits to be confirmed as a member of its cluster\n");
            else
                File.Delete(JoinPendingFile);
        }
    }

    private string JoinPendingFile => System.IO.Path.Combine(Path, "join.pending");

    /// <summary>Gets a value indicating that the write-ahead log holds pages of entries.</summary>
    public bool HasLogEntries => HasFiles(System.IO.Path.Combine(LogPath, "metadata")) || HasFiles(System.IO.Path.Combine(LogPath, "data"));

    /// <summary>
    /// Refuses a log whose bookkeeping files are gone while its entries remain. DotNext would start
    /// such a log as if it were empty (no checkpoint: no entries; no state file: term 0 and no
    /// vote), and a node that forgets its log or its vote can help elect a leader that lacks
    /// committed entries.
    /// </summary>
    /// <exception cref="DataDirectoryException">The log is incomplete.</exception>
    public void VerifyLogFiles()
    {
        if (!HasLogEntries)
            return;

        foreach (var name in new[] { "checkpoint", "state" })
        {
            var file = new FileInfo(System.IO.Path.Combine(LogPath, name));
            if (!file.Exists || file.Length == 0)
            {
                throw new DataDirectoryException(
                    $"The write-ahead log in {LogPath} has entries but its '{name}' file is missing or empty; starting would forget the log or the node's vote. Restore the data directory from a backup, or remove it and let the node rejoin its cluster.");
            }
        }
    }

    /// <summary>Opens a data directory, creating it when missing, and takes its lock.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>The open directory; dispose it to release the lock.</returns>
    /// <exception cref="DataDirectoryException">Another process holds the directory, or it cannot be created or locked.</exception>
    public static DataDirectory Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var lockPath = System.IO.Path.Combine(fullPath, "LOCK");
        try
        {
            Directory.CreateDirectory(fullPath);
            if (!NativeFile.TryLockExclusive(lockPath, out var descriptor))
            {
                var owner = ReadOwner(lockPath);
                throw new DataDirectoryException(
                    $"The data directory {fullPath} is in use by another Quorum process{owner}. Stop that process or choose another --data-dir.");
            }

            try
            {
                NativeFile.Overwrite(descriptor, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            }
            catch
            {
                NativeFile.Release(descriptor);
                throw;
            }

            return new DataDirectory(fullPath, descriptor);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataDirectoryException($"The data directory {fullPath} cannot be used: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        NativeFile.Release(Interlocked.Exchange(ref lockDescriptor, -1));
    }

    private static bool HasFiles(string path) => Directory.Exists(path) && Directory.EnumerateFiles(path).Any();

    private static string ReadOwner(string lockPath)
    {
        var text = NativeFile.ReadSmallFile(lockPath).Trim();
        return text.Length > 0 ? $" (pid {text})" : string.Empty;
    }
}
