using System.Globalization;
using Microsoft.Extensions.Logging;
using Quorum.Store.Native;

namespace Quorum.Store.Storage;

/// <summary>
/// Keeps the older part of the write-ahead log out of this process's resident memory (Linux only).
/// </summary>
/// <remarks>
/// DotNext maps every log chunk since the last snapshot into memory as a shared file mapping and
/// keeps it mapped until a snapshot lets it delete the chunk. Pages of a shared file mapping count
/// in the process's RSS once touched, so without this the log since the last snapshot (64 MiB or
/// more) sits in every node's RSS although it is already on disk and only the newest chunks are
/// read again (by apply and by replication to followers that keep up).
/// <para>
/// Every few seconds this finds the log's mappings in <c>/proc/self/maps</c> and advises the
/// kernel to page out all but the newest chunks of each log folder (<c>MADV_PAGEOUT</c>). That
/// advice never loses data: clean pages are dropped, dirty ones written back first, and a later
/// read (a follower far behind) faults them in from the file. It is also harmless if a chunk was
/// unmapped between reading the map and advising, and its addresses reused: paging out anonymous
/// memory without swap does nothing, and paging out another file's pages only costs a re-read.
/// </para>
/// </remarks>
internal sealed partial class MappedLogTrimmer : IAsyncDisposable
{
    /// <summary>How many of the newest chunks of each log folder stay resident.</summary>
    public const int ResidentChunks = 2;

    private readonly string logPath;
    private readonly ILogger logger;
    private readonly CancellationTokenSource lifetime = new();
    private readonly Task loop;
    private bool unsupported;

    private MappedLogTrimmer(string logPath, TimeSpan period, ILogger logger)
    {
        this.logPath = logPath;
        this.logger = logger;
        loop = Task.Run(() => RunAsync(period));
    }

    /// <summary>Starts trimming a log folder's mappings every <paramref name="period"/>.</summary>
    /// <param name="logPath">The write-ahead log's folder.</param>
    /// <param name="period">How often to trim.</param>
    /// <param name="logger">Where a failure is reported.</param>
    /// <returns>The trimmer, or <see langword="null"/> where there is nothing to do (not Linux).</returns>
    public static MappedLogTrimmer? Start(string logPath, TimeSpan period, ILogger logger)
        => OperatingSystem.IsLinux() ? new MappedLogTrimmer(ResolvePath(logPath), period, logger) : null;

    /// <summary>Finds the mappings of a log folder's chunks in a process map.</summary>
    /// <param name="maps">The text of <c>/proc/self/maps</c>.</param>
    /// <param name="logPath">The log folder, as the kernel names it (absolute, no symbolic links).</param>
    /// <returns>The address ranges to page out: every chunk mapping but the <see cref="ResidentChunks"/> newest of each folder.</returns>
    internal static List<(nint Start, nint Length)> FindOldChunks(string maps, string logPath)
    {
        var prefix = logPath.TrimEnd('/') + "/";
        var chunks = new List<(string Folder, long Chunk, nint Start, nint Length)>();
        foreach (var line in maps.AsSpan().EnumerateLines())
        {
            var path = line.IndexOf(prefix, StringComparison.Ordinal) is var at and >= 0 ? line[at..] : default;
            if (path.IsEmpty)
                continue;

            var slash = path.LastIndexOf('/');
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            if (!long.TryParse(path[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var chunk)
                || dash <= 0 || space <= dash
                || !long.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
            {
                continue;
            }

            chunks.Add((path[..slash].ToString(), chunk, (nint)start, (nint)(end - start)));
        }

        var old = new List<(nint Start, nint Length)>();
        foreach (var folder in chunks.GroupBy(static c => c.Folder, StringComparer.Ordinal))
        {
            var newest = folder.Select(static c => c.Chunk).Distinct().OrderDescending().Take(ResidentChunks).ToHashSet();
            old.AddRange(folder.Where(c => !newest.Contains(c.Chunk)).Select(static c => (c.Start, c.Length)));
        }

        return old;
    }

    /// <summary>Pages out the old chunks once.</summary>
    /// <returns>How many bytes of mappings were advised.</returns>
    internal long Trim()
    {
        long advised = 0;
        foreach (var (start, length) in FindOldChunks(File.ReadAllText("/proc/self/maps"), logPath))
        {
            // A failure here (the range was unmapped meanwhile: ENOMEM) leaves nothing to do.
            if (LinuxMemory.TryPageOut(start, (nuint)length, out var notKnown))
                advised += length;
            else if (notKnown)
                unsupported = true;
        }

        return advised;
    }

    /// <summary>Stops trimming.</summary>
    /// <returns>A task that completes when the trimmer has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lifetime.Dispose();
    }

    private static string ResolvePath(string path)
    {
        var full = Path.GetFullPath(path);
        return LinuxMemory.RealPath(full) ?? full;
    }

    private async Task RunAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (!unsupported && await timer.WaitForNextTickAsync(lifetime.Token))
                Trim();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogTrimFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped paging out the old part of the write-ahead log: {Reason}")]
    private partial void LogTrimFailed(string reason);
}
