using System.Globalization;
using System.Text.Json.Serialization;

namespace Quorum.Bench;

/// <summary>One measured cell: throughput and latency percentiles.</summary>
internal sealed record BenchResult
{
    [JsonPropertyName("target")]
    public required string Target { get; init; }

    [JsonPropertyName("workload")]
    public required string Workload { get; init; }

    [JsonPropertyName("routing")]
    public required string Routing { get; init; }

    [JsonPropertyName("clients")]
    public required int Clients { get; init; }

    [JsonPropertyName("seconds")]
    public required double Seconds { get; init; }

    [JsonPropertyName("operations")]
    public required long Operations { get; init; }

    [JsonPropertyName("errors")]
    public required long Errors { get; init; }

    [JsonPropertyName("throughput")]
    public double Throughput => Operations / Seconds;

    [JsonPropertyName("p50Ms")]
    public required double P50 { get; init; }

    [JsonPropertyName("p90Ms")]
    public required double P90 { get; init; }

    [JsonPropertyName("p99Ms")]
    public required double P99 { get; init; }

    [JsonPropertyName("p999Ms")]
    public required double P999 { get; init; }

    [JsonPropertyName("maxMs")]
    public required double Max { get; init; }

    [JsonPropertyName("firstError")]
    public string? FirstError { get; init; }

    public static string TableHeader => $"{"target",-8} {"workload",-9} {"clients",7} {"ops/s",10} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"max ms",8} {"errors",7}";

    public string TableRow()
        => string.Create(CultureInfo.InvariantCulture, $"{Target,-8} {Workload,-9} {Clients,7} {Throughput,10:N0} {P50,8:0.00} {P90,8:0.00} {P99,8:0.00} {P999,9:0.00} {Max,8:0.00} {Errors,7}");
}

/// <summary>Source-generated JSON metadata for results.</summary>
[JsonSerializable(typeof(BenchResult))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class BenchJson : JsonSerializerContext;
