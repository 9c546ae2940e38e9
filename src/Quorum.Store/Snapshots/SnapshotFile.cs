using System.Globalization;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace Quorum.Store.Snapshots;

/// <summary>
/// A snapshot on disk, as the write-ahead log sees it: the log entry that stands for every entry up
/// to <see cref="Index"/>, streamed to followers that are too far behind.
/// </summary>
internal sealed class SnapshotFile : ISnapshot
{
    private const string Extension = ".snap";

    /// <summary>Initializes a new instance of the <see cref="SnapshotFile"/> class.</summary>
    /// <param name="path">The file.</param>
    /// <param name="index">The log index the snapshot reflects.</param>
    /// <param name="term">The term of that entry.</param>
    public SnapshotFile(string path, long index, long term)
    {
        Path = path;
        Index = index;
        Term = term;
    }

    /// <summary>Gets the file's path.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public long Index { get; }

    /// <inheritdoc/>
    public long Term { get; }

    /// <inheritdoc/>
    bool IDataTransferObject.IsReusable => true;

    /// <inheritdoc/>
    long? IDataTransferObject.Length => new FileInfo(Path).Length;

    /// <summary>Gets the file name for a snapshot; the zero-padded index makes names sort in log order.</summary>
    /// <param name="index">The log index.</param>
    /// <param name="term">The term.</param>
    /// <returns>The file name.</returns>
    public static string FileName(long index, long term) => $"{index:D20}-{term}{Extension}";

    /// <summary>Parses a snapshot file name.</summary>
    /// <param name="path">The path.</param>
    /// <returns>The snapshot, or <see langword="null"/> when the name is not a snapshot's.</returns>
    public static SnapshotFile? TryParse(string path)
    {
        var name = System.IO.Path.GetFileName(path.AsSpan());
        if (!name.EndsWith(Extension, StringComparison.Ordinal))
            return null;

        name = name[..^Extension.Length];
        var dash = name.IndexOf('-');
        return dash > 0
            && long.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && long.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var term)
            ? new SnapshotFile(path, index, term)
            : null;
    }

    /// <inheritdoc/>
    async ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
    {
        var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream)
        {
            await writer.CopyFromAsync(stream, count: null, token);
        }
    }
}
