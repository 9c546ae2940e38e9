using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quorum.Chaos;

/// <summary>What a run found; printed as one summary line and, on request, written as JSON.</summary>
internal sealed record ChaosReport
{
    [JsonPropertyName("scenario")]
    public required string Scenario { get; init; }

    [JsonPropertyName("nodes")]
    public required int Nodes { get; init; }

    [JsonPropertyName("seed")]
    public required int Seed { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("operations")]
    public int Operations { get; init; }

    [JsonPropertyName("faults")]
    public IReadOnlyDictionary<string, int> Faults { get; init; } = new Dictionary<string, int>();

    [JsonPropertyName("linearizable")]
    public bool? Linearizable { get; init; }

    [JsonPropertyName("keysChecked")]
    public int KeysChecked { get; init; }

    [JsonPropertyName("keysUndecided")]
    public int KeysUndecided { get; init; }

    [JsonPropertyName("acknowledgedWrites")]
    public int AcknowledgedWrites { get; init; }

    [JsonPropertyName("acknowledgedWritesLost")]
    public int AcknowledgedWritesLost { get; init; }

    [JsonPropertyName("converged")]
    public bool Converged { get; init; }

    [JsonPropertyName("checks")]
    public IReadOnlyDictionary<string, bool> Checks { get; init; } = new Dictionary<string, bool>();

    [JsonPropertyName("problems")]
    public IReadOnlyList<string> Problems { get; init; } = [];

    [JsonPropertyName("history")]
    public string? History { get; init; }

    [JsonPropertyName("workDirectory")]
    public required string WorkDirectory { get; init; }

    /// <summary>Gets a value indicating that the run found nothing wrong.</summary>
    [JsonPropertyName("passed")]
    public bool Passed => Converged && Problems.Count == 0 && Linearizable != false && AcknowledgedWritesLost == 0 && KeysUndecided == 0 && Checks.Values.All(static ok => ok);

    /// <summary>The one-line summary.</summary>
    public string SummaryLine()
    {
        var faults = Faults.Count == 0 ? "none" : string.Join(' ', Faults.OrderBy(static f => f.Key, StringComparer.Ordinal).Select(static f => $"{f.Key}={f.Value}"));
        var linearizable = Linearizable switch { true => "yes", false => "NO", null => "n/a" };
        return $"nodes={Nodes} operations={Operations} faults={Faults.Values.Sum()} ({faults}) linearizable={linearizable} acknowledged-writes-lost={AcknowledgedWritesLost} converged={(Converged ? "yes" : "NO")} seed={Seed} history={History ?? "-"} log={Path.Combine(WorkDirectory, "run.log")}";
    }

    public string ToJson() => JsonSerializer.Serialize(this, ReportJson.Default.ChaosReport);
}

/// <summary>Source-generated JSON metadata for reports.</summary>
[JsonSerializable(typeof(ChaosReport))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ReportJson : JsonSerializerContext;
