using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Quorum.Chaos.History;

/// <summary>Collects the operations of a run, timed by one monotonic clock, and writes them out for inspection.</summary>
internal sealed class HistoryRecorder
{
    private readonly ConcurrentQueue<Operation> operations = new();
    private readonly long start = Stopwatch.GetTimestamp();

    /// <summary>Gets the time since the run began, in microseconds.</summary>
    public long Now => (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;

    public int Count => operations.Count;

    public void Add(Operation operation) => operations.Enqueue(operation);

    public IReadOnlyList<Operation> Snapshot() => [.. operations];

    /// <summary>Writes the history as JSON lines, one operation per line, in invocation order.</summary>
    public void WriteTo(string path)
    {
        using var writer = new StreamWriter(path);
        foreach (var operation in operations.OrderBy(static op => op.Invoke))
            writer.WriteLine(JsonSerializer.Serialize(operation, HistoryJson.Default.Operation));
    }
}

/// <summary>Source-generated JSON metadata for histories.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Operation))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class HistoryJson : System.Text.Json.Serialization.JsonSerializerContext;
