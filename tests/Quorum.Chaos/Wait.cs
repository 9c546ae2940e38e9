namespace Quorum.Chaos;

/// <summary>Polls a condition until it holds or a deadline passes.</summary>
internal static class Wait
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until <paramref name="condition"/> is true, asking every 100 ms; exceptions count as "not yet".</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken token = default)
        => UntilAsync(condition, timeout, what, DefaultPollInterval, token);

    /// <summary>Waits until <paramref name="condition"/> is true, asking every <paramref name="pollInterval"/>; exceptions count as "not yet".</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan pollInterval, CancellationToken token)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            token.ThrowIfCancellationRequested();
            try
            {
                if (await condition())
                    return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                last = e;
            }

            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0}s waiting for {what}.{(last is null ? string.Empty : " Last error: " + last.Message)}");

            await Task.Delay(pollInterval, token);
        }
    }
}
