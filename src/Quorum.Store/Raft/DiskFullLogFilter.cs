using Microsoft.Extensions.Logging;

namespace Quorum.Store.Raft;

/// <summary>
/// The loggers DotNext's Raft transport writes to, less its report of every AppendEntries a full
/// follower refused (<see cref="InsufficientStorageException"/> from <see cref="DurableWriteAheadLog"/>).
/// </summary>
/// <remarks>
/// The transport logs each failed request as an error with its stack trace, and the leader sends
/// again on every heartbeat: a full follower would write several of them a second for as long as
/// its disk stays full, burying everything else. The guard already logs once when the disk fills
/// and once when it has room again; every other entry passes unchanged.
/// </remarks>
/// <param name="inner">The node's logger factory.</param>
internal sealed class DiskFullLogFilter(ILoggerFactory inner) : ILoggerFactory
{
    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Filtered(inner.CreateLogger(categoryName));

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <inheritdoc/>
    public void Dispose()
    {
        // The node's factory belongs to whoever made it.
    }

    private sealed class Filtered(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception?.GetBaseException() is not InsufficientStorageException)
                inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
