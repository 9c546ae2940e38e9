using System.Text.Json;
using System.Threading.Channels;

namespace Quorum.Server.Audit;

/// <summary>
/// Where audit records go: JSON lines appended to <c>--audit-log FILE</c>, or the ordinary log
/// (category <c>Quorum.Audit</c>, one entry per batch of records, each record a JSON line). A
/// background writer takes them off a queue, so a request never waits on the file; the file is
/// flushed to the OS after each batch of queued records.
/// </summary>
internal sealed partial class AuditLog : IAsyncDisposable
{
    private readonly Channel<AuditRecord> queue = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly FileStream? file;
    private readonly ILogger logger;
    private readonly Task writer;

    /// <summary>Initializes a new instance of the <see cref="AuditLog"/> class.</summary>
    /// <param name="path">The JSON-lines file, or <see langword="null"/> for the ordinary log.</param>
    /// <param name="loggerFactory">The ordinary log.</param>
    public AuditLog(string? path, ILoggerFactory loggerFactory)
    {
        logger = loggerFactory.CreateLogger("Quorum.Audit");
        if (path is not null)
            file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024);
        writer = Task.Run(WriteAllAsync);
    }

    /// <summary>Queues a record; waits only when 65,536 records are already waiting.</summary>
    /// <param name="record">The record.</param>
    /// <returns>A task that completes when the record is queued.</returns>
    public ValueTask WriteAsync(AuditRecord record) => queue.Writer.WriteAsync(record);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writer;
        if (file is not null)
            await file.DisposeAsync();
    }

    private async Task WriteAllAsync()
    {
        var newline = "\n"u8.ToArray();
        var batch = new List<string>();
        while (await queue.Reader.WaitToReadAsync())
        {
            var written = 0;
            try
            {
                while (queue.Reader.TryRead(out var record))
                {
                    written++;
                    if (file is null)
                    {
                        batch.Add(JsonSerializer.Serialize(record, AuditJsonContext.Default.AuditRecord));
                        continue;
                    }

                    await JsonSerializer.SerializeAsync(file, record, AuditJsonContext.Default.AuditRecord);
                    file.Write(newline);
                }

                if (file is not null)
                    await file.FlushAsync();
            }
            catch (IOException e)
            {
                // A full or failing disk loses these records, loudly; the writer goes on, so the
                // queue never fills up and holds requests back.
                LogWriteFailed(logger, written, e.Message);
                continue;
            }

            if (file is null)
            {
                // One log entry for whatever queued up meanwhile: an entry per write cost 10-18 µs of
                // node CPU per write at 64 writers (3 alternating pairs, put x64), one per batch is level.
                LogRecords(logger, batch.Count, string.Join('\n', batch));
                batch.Clear();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write {Count} audit records to the audit log: {Problem}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} records:\n{Records}")]
    private static partial void LogRecords(ILogger logger, int count, string records);
}
