using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace Quorum.Bench;

/// <summary>
/// Runs one workload: closed-loop clients, each with one request in flight, for a warm-up and then
/// a measured period. Latencies go into one HdrHistogram per client (no shared state on the hot
/// path), merged at the end.
/// </summary>
internal static class BenchRunner
{
    private static readonly TimeSpan PopulateRetryTime = TimeSpan.FromSeconds(30);

    private const long HighestTrackableMicroseconds = 60_000_000;

    public static async Task<BenchResult> RunAsync(BenchOptions options, IStoreDriver driver, CancellationToken token)
    {
        await driver.PrepareAsync(token);
        var value = new byte[options.ValueSize];
        new Random(1).NextBytes(value);
        var keys = Enumerable.Range(0, options.Keys).Select(static i => $"bench/{i:D8}").ToArray();

        if (options.Workload != "put" && options.Populate)
            await PopulateAsync(options, driver, keys, value, token);

        var histograms = Enumerable.Range(0, options.Clients).Select(static _ => new LongHistogram(HighestTrackableMicroseconds, 3)).ToArray();
        var operations = new long[options.Clients];
        var errors = new long[options.Clients];
        string? firstError = null;
        var measuring = false;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var clients = Enumerable.Range(0, options.Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    switch (options.Workload)
                    {
                        case "put":
                            await driver.PutAsync(client, key, value, stop.Token);
                            break;
                        case "get":
                            await driver.GetAsync(client, key, linearizable: true, stop.Token);
                            break;
                        case "get-stale":
                            await driver.GetAsync(client, key, linearizable: false, stop.Token);
                            break;
                        default:
                            if (random.Next(10) == 0)
                                await driver.PutAsync(client, key, value, stop.Token);
                            else
                                await driver.GetAsync(client, key, linearizable: true, stop.Token);
                            break;
                    }

                    if (Volatile.Read(ref measuring))
                    {
                        histograms[client].RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
                        operations[client]++;
                    }
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    if (Volatile.Read(ref measuring))
                        errors[client]++;
                    Interlocked.CompareExchange(ref firstError, e.GetBaseException().Message, null);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // The run is over; how its last request ended (cancelled, or failed just after
                    // the stop) is not part of it.
                }
            }
        })).ToArray();

        await Task.Delay(options.Warmup, token);
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.Duration)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(1, (options.Duration - clock.Elapsed).TotalMilliseconds))), token);
            if (options.Progress)
            {
                var done = operations.Sum();
                await Console.Error.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"\r  {options.Target} {options.Workload} x{options.Clients}: {clock.Elapsed.TotalSeconds,5:0.0}s {done,10:N0} ops {done / clock.Elapsed.TotalSeconds,10:N0} op/s  errors {errors.Sum()}   "));
            }
        }

        Volatile.Write(ref measuring, false);
        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        if (options.Progress)
            await Console.Error.WriteLineAsync();

        var merged = new LongHistogram(HighestTrackableMicroseconds, 3);
        foreach (var histogram in histograms)
            merged.Add(histogram);

        return new BenchResult
        {
            Target = options.Target,
            Workload = options.Workload,
            Routing = options.RoundRobin ? "any" : "leader",
            Clients = options.Clients,
            Seconds = seconds,
            Operations = operations.Sum(),
            Errors = errors.Sum(),
            P50 = Milliseconds(merged, 50),
            P90 = Milliseconds(merged, 90),
            P99 = Milliseconds(merged, 99),
            P999 = Milliseconds(merged, 99.9),
            Max = merged.TotalCount == 0 ? 0 : merged.GetMaxValue() / 1000.0,
            FirstError = firstError,
        };
    }

    private static double Milliseconds(HistogramBase histogram, double percentile)
        => histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;

    // Read workloads need their keys to exist: write every key once, many at a time. A write that
    // fails (say, while a fresh cluster elects a new leader) is retried for up to PopulateRetryTime.
    private static async Task PopulateAsync(BenchOptions options, IStoreDriver driver, string[] keys, byte[] value, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(16, options.Clients), CancellationToken = token }, async (key, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await driver.PutAsync(0, key, value, ct);
                    return;
                }
                catch (Exception) when (Stopwatch.GetElapsedTime(started) < PopulateRetryTime && !ct.IsCancellationRequested)
                {
                    await Task.Delay(Math.Min(100 * attempt, 1_000), ct);
                }
            }
        });

        if (options.Progress)
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  wrote {keys.Length:N0} keys in {clock.Elapsed.TotalSeconds:0.0}s"));
    }
}
