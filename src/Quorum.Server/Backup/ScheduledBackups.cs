using System.Globalization;
using System.Text.RegularExpressions;
using Quorum.Store;

namespace Quorum.Server.Backup;

/// <summary>
/// Takes a backup every <see cref="BackupSchedule.Interval"/> on the leader (followers skip the
/// tick), unless the revision has not moved since the newest backup in the folder. Each backup is
/// written whole or not at all (<see cref="BackupFile.SaveAsync"/>), named so that names sort by
/// time and carry the revision (<c>quorum-20260101T120000000Z-r00000000000000001234.snapshot</c>),
/// and only the newest <see cref="BackupSchedule.Keep"/> are kept. A failure (a full disk) is
/// logged and the next tick tries again.
/// </summary>
/// <param name="store">The local store.</param>
/// <param name="schedule">Where, how often, how many.</param>
/// <param name="time">The clock the timer and the names use.</param>
/// <param name="logger">The logger.</param>
internal sealed partial class ScheduledBackups(QuorumStore store, BackupSchedule schedule, TimeProvider time, ILogger<ScheduledBackups> logger)
    : BackgroundService
{
    private const string Extension = ".snapshot";

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(schedule.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await TickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Takes a backup if this node leads and the revision moved, then rotates.</summary>
    /// <param name="token">Stops the backup.</param>
    /// <returns>A task that completes when the tick is done; it never fails.</returns>
    internal async Task TickAsync(CancellationToken token)
    {
        if (!store.IsLeader)
            return;

        try
        {
            Directory.CreateDirectory(schedule.Directory);
            using var copy = await store.CopyAsync(token);
            if (Newest() is { } newest && newest.Revision == copy.Revision)
            {
                LogUnchanged(copy.Revision);
                return;
            }

            var path = Path.Combine(schedule.Directory, FileName(time.GetUtcNow(), copy.Revision));
            var info = await BackupFile.SaveAsync(path, copy.WriteOnOwnThreadAsync, token);
            LogTaken(path, info.Revision, info.Keys, info.Bytes);
            Rotate();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogFailed(schedule.Directory, e);
        }
    }

    private static string FileName(DateTimeOffset now, long revision)
        => string.Create(CultureInfo.InvariantCulture, $"quorum-{now.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-r{revision:D20}{Extension}");

    private List<(string Path, long Revision)> List()
    {
        var backups = new List<(string Path, long Revision)>();
        foreach (var path in Directory.EnumerateFiles(schedule.Directory, "quorum-*" + Extension))
        {
            if (NamePattern().Match(Path.GetFileName(path)) is { Success: true } match)
                backups.Add((path, long.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)));
        }

        // The names start with the time, zero-padded: ordinal order is time order.
        backups.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return backups;
    }

    private (string Path, long Revision)? Newest() => List() is { Count: > 0 } backups ? backups[^1] : null;

    private void Rotate()
    {
        var backups = List();
        foreach (var (path, _) in backups.Take(Math.Max(0, backups.Count - schedule.Keep)))
        {
            File.Delete(path);
            LogDeleted(path);
        }
    }

    [GeneratedRegex(@"^quorum-\d{8}T\d{9}Z-r(\d{20})\.snapshot$")]
    private static partial Regex NamePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Backup {Path} written: revision {Revision}, {Keys} keys, {Bytes} bytes")]
    private partial void LogTaken(string path, long revision, long keys, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "No backup: nothing changed since the last one (revision {Revision})")]
    private partial void LogUnchanged(long revision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Old backup {Path} deleted")]
    private partial void LogDeleted(string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backup to {Directory} failed; the next tick tries again")]
    private partial void LogFailed(string directory, Exception exception);
}
