using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Quorum.Store.Metrics;

/// <summary>
/// Warns in the log, with the measured figure, when the write-ahead log's flushes or a peer's
/// round trips are slow: every <see cref="Window"/>, the 99th percentile of each is compared with
/// its threshold. The defaults match the warnings in <c>docs/alerts.yml</c> (fsync p99 over 0.5 s,
/// peer round trip p99 over 0.15 s), so an operator without Prometheus still hears of a disk or a
/// network that will soon cost the cluster its leader (etcd #13587: 2.88 s syncs, then elections).
/// </summary>
/// <remarks>
/// Fed by listening to this store's own histograms (<see cref="StoreMetrics.WalFsyncDuration"/>,
/// <see cref="StoreMetrics.PeerRoundTripTime"/>), matched by instance, so it adds nothing to the
/// write path beyond two interlocked increments per flush or round trip.
/// </remarks>
internal sealed partial class SlowIoWarnings : IAsyncDisposable
{
    /// <summary>How often the figures are checked, and how long each window lasts.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    private const double Quantile = 0.99;

    private readonly MeterListener listener = new();
    private readonly LatencyWindow flushes = new();
    private readonly ConcurrentDictionary<string, LatencyWindow> peers = new(StringComparer.Ordinal);
    private readonly TimeSpan fsyncThreshold;
    private readonly TimeSpan peerThreshold;
    private readonly ILogger logger;
    private readonly CancellationTokenSource lifetime = new();
    private readonly Task checks;

    /// <summary>Starts listening and checking.</summary>
    /// <param name="metrics">The store's instruments.</param>
    /// <param name="fsyncThreshold">The flush p99 above which to warn.</param>
    /// <param name="peerThreshold">The peer round-trip p99 above which to warn.</param>
    /// <param name="logger">Where the warnings go.</param>
    public SlowIoWarnings(StoreMetrics metrics, TimeSpan fsyncThreshold, TimeSpan peerThreshold, ILogger logger)
    {
        this.fsyncThreshold = fsyncThreshold;
        this.peerThreshold = peerThreshold;
        this.logger = logger;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, metrics.WalFsyncDuration) || ReferenceEquals(instrument, metrics.PeerRoundTripTime))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, seconds, tags, _) =>
        {
            if (ReferenceEquals(instrument, metrics.WalFsyncDuration))
                flushes.Record(seconds);
            else if (Peer(tags) is { } peer)
                peers.GetOrAdd(peer, static _ => new LatencyWindow()).Record(seconds);
        });
        listener.Start();
        checks = Task.Run(CheckAsync);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        listener.Dispose();
        await lifetime.CancelAsync();
        await checks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lifetime.Dispose();
    }

    private static string? Peer(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "peer")
                return tag.Value as string;
        }

        return null;
    }

    private async Task CheckAsync()
    {
        using var timer = new PeriodicTimer(Window);
        try
        {
            while (await timer.WaitForNextTickAsync(lifetime.Token))
            {
                var (count, p99, max) = flushes.Drain(Quantile);
                if (count > 0 && p99 > fsyncThreshold)
                    LogSlowDisk(p99.TotalMilliseconds, max.TotalMilliseconds, count, Window.TotalSeconds, fsyncThreshold.TotalMilliseconds);

                foreach (var (peer, window) in peers)
                {
                    var (trips, peerP99, peerMax) = window.Drain(Quantile);
                    if (trips > 0 && peerP99 > peerThreshold)
                        LogSlowPeer(peer, peerP99.TotalMilliseconds, peerMax.TotalMilliseconds, trips, Window.TotalSeconds, peerThreshold.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow disk: write-ahead log flush p99 {P99Ms:0.#} ms (max {MaxMs:0.#} ms, {Count} flushes in {Seconds:0} s), above the {ThresholdMs:0.#} ms warning threshold. Slow flushes delay every write and can cost this node its leadership.")]
    private partial void LogSlowDisk(double p99Ms, double maxMs, long count, double seconds, double thresholdMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow peer {Peer}: AppendEntries round trip p99 {P99Ms:0.#} ms (max {MaxMs:0.#} ms, {Count} round trips in {Seconds:0} s), above the {ThresholdMs:0.#} ms warning threshold. Check the network to it and its disk.")]
    private partial void LogSlowPeer(string peer, double p99Ms, double maxMs, long count, double seconds, double thresholdMs);
}
