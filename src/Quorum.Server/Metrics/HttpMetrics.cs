using System.Diagnostics.Metrics;

namespace Quorum.Server.Metrics;

/// <summary>The HTTP layer's instruments, on a meter of their own (one per server, so tests holding several servers can tell them apart).</summary>
public sealed class HttpMetrics : IDisposable
{
    /// <summary>The name of the HTTP layer's meter.</summary>
    public const string MeterName = "Quorum.Server.Http";

    private static readonly double[] DurationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Boxed once: a status code tag that is a fresh string or a boxed int would allocate on every request.
    private static readonly string[] StatusCodes = [.. Enumerable.Range(0, 600).Select(static code => code.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Initializes the meter and its instruments.</summary>
    public HttpMetrics()
    {
        Meter = new Meter(MeterName);
        RequestDuration = Meter.CreateHistogram(
            "quorum.http.request_duration",
            unit: "s",
            description: "Every API request, from its first byte read to its last byte written; a watch lasts as long as its stream.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>Gets the meter of the HTTP layer.</summary>
    public Meter Meter { get; }

    private Histogram<double> RequestDuration { get; }

    /// <summary>Records one request.</summary>
    /// <param name="seconds">How long it took.</param>
    /// <param name="route">The route's template (never the path: a key in a label would make a series per key).</param>
    /// <param name="method">The HTTP method, one of a fixed few.</param>
    /// <param name="statusCode">The status code answered.</param>
    public void RecordRequest(double seconds, string route, string method, int statusCode)
    {
        var code = (uint)statusCode < (uint)StatusCodes.Length ? StatusCodes[statusCode] : "other";
        RequestDuration.Record(seconds, new("route", route), new("method", method), new("code", code));
    }

    /// <inheritdoc/>
    public void Dispose() => Meter.Dispose();
}
