namespace Quorum.Server.Backup;

/// <summary>Scheduled backups: where they go, how often the leader takes one, and how many are kept.</summary>
/// <param name="Directory">The folder backups are written to; created when missing.</param>
/// <param name="Interval">How often the leader takes a backup (when anything changed since the last one).</param>
/// <param name="Keep">How many of the newest backups are kept; older ones are deleted.</param>
public sealed record BackupSchedule(string Directory, TimeSpan Interval, int Keep)
{
    /// <summary>The default number of backups kept.</summary>
    public const int DefaultKeep = 24;
}
