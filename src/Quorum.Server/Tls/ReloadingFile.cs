namespace Quorum.Server.Tls;

/// <summary>
/// Something loaded from files and loaded again when they change on disk, for certificates that are
/// rotated under a running node. The files are polled every <see cref="PollInterval"/> (the
/// contract allows 10 s from the change to its use). A load that fails, say while an operator has
/// replaced the certificate but not yet its key, keeps the last good value and is tried again at
/// the next change of the files.
/// </summary>
/// <typeparam name="T">What the files hold.</typeparam>
public sealed partial class ReloadingFile<T> : IDisposable
    where T : class
{
    /// <summary>How often the files are checked for a change.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly string[] paths;
    private readonly Func<T> load;
    private readonly ILogger logger;
    private readonly Timer timer;
    private FileFingerprint tried;
    private T current;

    /// <summary>Initializes a new instance of the <see cref="ReloadingFile{T}"/> class, loading the files now.</summary>
    /// <param name="paths">The files.</param>
    /// <param name="load">Reads them; throws <see cref="TlsFileException"/> for files that cannot be used.</param>
    /// <param name="logger">Where reloads and failed reloads are reported.</param>
    /// <exception cref="TlsFileException">The files cannot be used now: a start-up error.</exception>
    public ReloadingFile(string[] paths, Func<T> load, ILogger logger)
    {
        this.paths = paths;
        this.load = load;
        this.logger = logger;
        tried = FileFingerprint.Of(paths);
        current = load();
        timer = new Timer(static state => ((ReloadingFile<T>)state!).Poll(), this, PollInterval, PollInterval);
    }

    /// <summary>Gets the value last loaded successfully.</summary>
    public T Current => Volatile.Read(ref current);

    /// <summary>Gets how many times the files were loaded again after a change.</summary>
    public int Reloads { get; private set; }

    /// <inheritdoc/>
    public void Dispose() => timer.Dispose();

    private void Poll()
    {
        var now = FileFingerprint.Of(paths);
        if (now == tried)
            return;

        tried = now;
        try
        {
            Volatile.Write(ref current, load());
            Reloads++;
            LogReloaded(logger, string.Join(", ", paths));
        }
        catch (TlsFileException e)
        {
            LogReloadFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded {Files}: new connections use them")]
    private static partial void LogReloaded(ILogger logger, string files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept the previous TLS files: {Problem}")]
    private static partial void LogReloadFailed(ILogger logger, string problem);
}
