using System.Diagnostics.Metrics;

namespace Quorum.Server.Metrics;

/// <summary>The process's memory and CPU, read when a scrape asks.</summary>
public sealed class ProcessMetrics : IDisposable
{
    /// <summary>The name of the process meter.</summary>
    public const string MeterName = "Quorum.Process";

    /// <summary>Initializes the meter and its observed instruments.</summary>
    public ProcessMetrics()
    {
        Meter = new Meter(MeterName);
        Meter.CreateObservableGauge("process.resident_memory", static () => Environment.WorkingSet, unit: "By", description: "Resident memory size in bytes.");
        Meter.CreateObservableCounter("process.cpu", static () => Environment.CpuUsage.TotalTime.TotalSeconds, unit: "s", description: "Total user and system CPU time spent, in seconds.");
        Meter.CreateObservableGauge("process.start_time", static () => StartTime, unit: "s", description: "Start time of the process since the Unix epoch, in seconds.");
    }

    /// <summary>Gets the process meter.</summary>
    public Meter Meter { get; }

    private static double StartTime { get; } = (System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;

    /// <inheritdoc/>
    public void Dispose() => Meter.Dispose();
}
