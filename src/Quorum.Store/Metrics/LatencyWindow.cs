namespace Quorum.Store.Metrics;

/// <summary>
/// Durations seen in the current window, counted in logarithmic buckets (four per doubling, so a
/// percentile is known to within 19%) with no lock, plus the exact largest one.
/// </summary>
internal sealed class LatencyWindow
{
    private const int BucketsPerDoubling = 4;
    private const int BucketCount = 30 * BucketsPerDoubling; // 1 µs up to about 18 minutes

    private readonly long[] buckets = new long[BucketCount];
    private long count;
    private long maxMicroseconds;

    /// <summary>Records one duration.</summary>
    /// <param name="seconds">The duration, in seconds.</param>
    public void Record(double seconds)
    {
        var microseconds = Math.Max(1L, (long)(seconds * 1_000_000));
        Interlocked.Increment(ref buckets[BucketOf(microseconds)]);
        Interlocked.Increment(ref count);
        var max = Volatile.Read(ref maxMicroseconds);
        while (microseconds > max && Interlocked.CompareExchange(ref maxMicroseconds, microseconds, max) is var seen && seen != max)
            max = seen;
    }

    /// <summary>Takes the window's figures and starts a new window.</summary>
    /// <param name="quantile">The quantile wanted, such as 0.99.</param>
    /// <returns>How many durations were seen, the quantile (the upper edge of its bucket, never above the largest), and the largest.</returns>
    public (long Count, TimeSpan Quantile, TimeSpan Max) Drain(double quantile)
    {
        var total = Interlocked.Exchange(ref count, 0);
        var max = Interlocked.Exchange(ref maxMicroseconds, 0);
        var counts = new long[BucketCount];
        for (var i = 0; i < BucketCount; i++)
            counts[i] = Interlocked.Exchange(ref buckets[i], 0);
        if (total == 0)
            return (0, TimeSpan.Zero, TimeSpan.Zero);

        var rank = (long)Math.Ceiling(quantile * total);
        var seen = 0L;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += counts[i];
            if (seen >= rank)
                return (total, TimeSpan.FromMicroseconds(Math.Min(UpperEdge(i), max)), TimeSpan.FromMicroseconds(max));
        }

        return (total, TimeSpan.FromMicroseconds(max), TimeSpan.FromMicroseconds(max));
    }

    private static int BucketOf(long microseconds) => Math.Min(BucketCount - 1, (int)(Math.Log2(microseconds) * BucketsPerDoubling));

    private static double UpperEdge(int bucket) => Math.Pow(2, (bucket + 1) / (double)BucketsPerDoubling);
}
