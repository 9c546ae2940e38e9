using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Quorum.Store;

namespace Quorum.Server.Http;

/// <summary>
/// Writes a watch as server-sent events: one event per change, its <c>id</c> the revision and its
/// data <c>{"type":"put"|"delete","key":K,"value":BASE64,"revision":N}</c> (no value for a delete).
/// </summary>
/// <param name="output">The response body.</param>
internal sealed class WatchEventWriter(PipeWriter output) : IDisposable
{
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();
    private readonly Utf8JsonWriter json = new(output);

    /// <summary>Writes a comment line, which clients ignore; it shows the stream is alive.</summary>
    /// <param name="text">The comment.</param>
    public void WriteComment(string text)
    {
        Write(": "u8);
        Write(Encoding.UTF8.GetBytes(text.ReplaceLineEndings(" ")));
        Write("\n\n"u8);
    }

    /// <summary>
    /// Writes where the watch starts: the comment <c>: watching from revision N</c> for people
    /// reading the stream, then the event <c>event: start</c>, data <c>{"revision":N}</c>, for
    /// programs, which ignore comments. A named event reaches only listeners for that name, so
    /// clients that handle the unnamed change events are not disturbed by it.
    /// </summary>
    /// <param name="revision">The first revision the watch reports.</param>
    public void WriteStart(long revision)
    {
        WriteComment($"watching from revision {revision}");
        Write("event: start\ndata: "u8);
        json.Reset();
        json.WriteStartObject();
        json.WriteNumber("revision", revision);
        json.WriteEndObject();
        json.Flush();
        Write("\n\n"u8);
    }

    /// <summary>Writes the keep-alive comment.</summary>
    public void WriteKeepAlive() => Write(KeepAlive);

    /// <summary>Writes every change of a batch.</summary>
    /// <param name="batch">The batch.</param>
    public void WriteBatch(ChangeBatch batch)
    {
        foreach (var change in batch.Changes)
        {
            Write("id: "u8);
            WriteNumber(change.Revision);
            Write("\ndata: "u8);
            json.Reset();
            json.WriteStartObject();
            json.WriteString("type", change.Kind == KeyChangeKind.Put ? "put" : "delete");
            json.WriteString("key", Encoding.UTF8.GetString(change.Key.Span));
            if (change.Kind == KeyChangeKind.Put)
                json.WriteBase64String("value", change.Value.Span);
            json.WriteNumber("revision", change.Revision);
            json.WriteEndObject();
            json.Flush();
            Write("\n\n"u8);
        }
    }

    /// <summary>Writes the event that ends a watch cut off by the server: <c>event: cutoff</c>, data <c>{"error":...,"revision":N}</c> with the revision to resume from.</summary>
    /// <param name="reason">Why.</param>
    public void WriteCutOff(WatchCutOffException reason)
    {
        Write("event: cutoff\ndata: "u8);
        json.Reset();
        json.WriteStartObject();
        json.WriteString("error", reason.Message);
        json.WriteNumber("revision", reason.ResumeRevision);
        json.WriteEndObject();
        json.Flush();
        Write("\n\n"u8);
    }

    /// <inheritdoc/>
    public void Dispose() => json.Dispose();

    private void Write(ReadOnlySpan<byte> bytes) => output.Write(bytes);

    private void WriteNumber(long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }
}
