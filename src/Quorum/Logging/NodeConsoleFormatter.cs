using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Quorum.Logging;

/// <summary>Options of <see cref="NodeConsoleFormatter"/>.</summary>
internal sealed class NodeConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Gets or sets the node ID printed on every line.</summary>
    public string NodeId { get; set; } = "-";
}

/// <summary>
/// One line per event, with the node's ID on every line so the logs of a cluster can be merged and
/// still read: <c>2026-11-22T10:00:00.123Z INF [n1] RaftNode: Became leader in term 2</c>.
/// </summary>
/// <param name="options">The options.</param>
internal sealed class NodeConsoleFormatter(IOptionsMonitor<NodeConsoleFormatterOptions> options) : ConsoleFormatter(Name)
{
    /// <summary>The formatter's registered name.</summary>
    public new const string Name = "quorum";

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
            return;

        var category = logEntry.Category;
        var dot = category.LastIndexOf('.');
        textWriter.Write(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
        textWriter.Write(' ');
        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Trace => "TRC",
            LogLevel.Debug => "DBG",
            LogLevel.Information => "INF",
            LogLevel.Warning => "WRN",
            LogLevel.Error => "ERR",
            _ => "CRT",
        });
        textWriter.Write(" [");
        textWriter.Write(options.CurrentValue.NodeId);
        textWriter.Write("] ");
        textWriter.Write(dot >= 0 ? category.AsSpan(dot + 1) : category);
        textWriter.Write(": ");
        textWriter.WriteLine(message);
        if (logEntry.Exception is { } exception)
            textWriter.WriteLine(exception.ToString());
    }
}
