using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Quorum.Store.Storage;

/// <summary>
/// Keeps writes away from the last <see cref="ReserveBytes"/> of the data directory's filesystem,
/// so that a full disk refuses writes (HTTP 507) instead of crashing the node.
/// </summary>
/// <remarks>
/// <para>
/// Why a reserve rather than handling the disk's own error: DotNext 6.12 writes the log through
/// shared memory mappings of sparse chunk files, so when the filesystem has no block left for a
/// page of the log, the kernel kills the process with SIGBUS at the store; there is no error to
/// catch. Measured before this guard existed: a one-node cluster on a full 56 MiB ext4 answered the
/// first write that needed a new page of the log with a closed connection and exited with 135
/// (SIGBUS); a full follower died the same way. The reserve is room for what still reaches the log
/// after the guard has let a write through: the entries in flight, the leader's no-op on election,
/// and a follower's batch of appended entries.
/// </para>
/// <para>
/// Free space is read with <c>statvfs</c> (through <see cref="DriveInfo"/>, about 4 µs) at most
/// every <see cref="RefreshInterval"/>; in between, the bytes let through are subtracted from the
/// last reading, so a burst cannot outrun a stale reading. Freed space is seen within one interval.
/// </para>
/// </remarks>
internal sealed partial class DiskSpaceGuard
{
    /// <summary>How old a reading of the free space may be before it is taken again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    private static readonly long RefreshTicks = (long)(RefreshInterval.TotalSeconds * Stopwatch.Frequency);

    private readonly string path;
    private readonly ILogger logger;
    private int full;
    private long lastReading;
    private long readAt;
    private long chargedSinceReading;

    /// <summary>Initializes a new instance of the <see cref="DiskSpaceGuard"/> class.</summary>
    /// <param name="path">A folder on the filesystem to watch (the data directory).</param>
    /// <param name="reserveBytes">How much free space writes must leave; 0 turns the guard off.</param>
    /// <param name="logger">Where the disk's filling up and being freed are reported, once each time.</param>
    public DiskSpaceGuard(string path, long reserveBytes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(reserveBytes);
        this.path = path;
        this.logger = logger;
        ReserveBytes = reserveBytes;
        if (reserveBytes > 0)
            Read();
    }

    /// <summary>Gets how much free space writes must leave on the filesystem; 0 when the guard is off.</summary>
    public long ReserveBytes { get; }

    /// <summary>Gets the folder whose filesystem is watched.</summary>
    public string Path => path;

    /// <summary>Gets the free space as last read, less what was let through since; <see cref="long.MaxValue"/> when the guard is off.</summary>
    public long AvailableBytes
    {
        get
        {
            if (ReserveBytes == 0)
                return long.MaxValue;

            RefreshIfStale();
            return Volatile.Read(ref lastReading) - Volatile.Read(ref chargedSinceReading);
        }
    }

    /// <summary>Gets a value indicating that the free space is at or above the reserve.</summary>
    public bool HasRoom => AvailableBytes >= ReserveBytes;

    /// <summary>Tells whether an exception is the operating system's "no space left on device" (or "quota exceeded").</summary>
    /// <param name="exception">The exception, or one that wraps it.</param>
    /// <returns><see langword="true"/> for ENOSPC or EDQUOT (Linux), or a full disk on Windows.</returns>
    public static bool IsDiskFull(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // .NET puts the errno in the low bits of HResult on Unix, the Win32 error on Windows.
            if (e is IOException && (e.HResult & 0xFFFF) is 28 or 122 or 112 or 39)
                return true;
        }

        return false;
    }

    /// <summary>Lets a write of about <paramref name="bytes"/> through, or refuses it while free space is below the reserve.</summary>
    /// <param name="bytes">How much the write will add to the log.</param>
    /// <exception cref="InsufficientStorageException">Free space is below the reserve; nothing was written.</exception>
    public void Admit(long bytes)
    {
        if (ReserveBytes == 0)
            return;

        var available = AvailableBytes;
        if (available < ReserveBytes)
            throw new InsufficientStorageException(Describe(available));

        Interlocked.Add(ref chargedSinceReading, bytes);
    }

    /// <summary>Makes the next check read the free space again (after the disk reported it full, say).</summary>
    public void Invalidate() => Volatile.Write(ref readAt, 0);

    /// <summary>Describes the shortage, for the refusal and the log.</summary>
    /// <param name="available">The free space.</param>
    /// <returns>A sentence naming the data directory, the free space and the reserve.</returns>
    public string Describe(long available)
        => string.Create(
            CultureInfo.InvariantCulture,
            $"The disk of data directory {path} is full: {Math.Max(available, 0)} bytes free, below the {ReserveBytes} bytes this node keeps in reserve (--disk-reserve-bytes). Writes are refused until space is freed on that disk; nothing was changed. Reads still work.");

    private void RefreshIfStale()
    {
        var at = Volatile.Read(ref readAt);
        var now = Stopwatch.GetTimestamp();
        if (now - at < RefreshTicks)
            return;

        // One caller reads; the others use the reading they have meanwhile.
        if (Interlocked.CompareExchange(ref readAt, now, at) == at)
            Read();
    }

    private void Read()
    {
        long free;
        try
        {
            free = new DriveInfo(path).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder is gone or unreadable: the log will fail on its own; do not guess.
            free = long.MaxValue / 2;
        }

        // What was admitted and is already written is in the reading. What was admitted but is not
        // written yet is in neither: at most the entries in flight, which the reserve is there for.
        Volatile.Write(ref chargedSinceReading, 0);
        Volatile.Write(ref lastReading, free);
        Volatile.Write(ref readAt, Stopwatch.GetTimestamp());

        var isFull = free < ReserveBytes ? 1 : 0;
        if (Interlocked.Exchange(ref full, isFull) != isFull)
        {
            if (isFull == 1)
                LogFull(Describe(free));
            else
                LogFreed(path, free);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}")]
    private partial void LogFull(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The disk of data directory {Path} has room again ({Bytes} bytes free); taking writes")]
    private partial void LogFreed(string path, long bytes);
}
