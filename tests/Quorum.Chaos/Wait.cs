namespace Quorum.Chaos;

/// <summary>Polls a condition until it holds or a deadline passes.</summary>
internal static class Wait
{
    /// <summary>Waits until <paramref name="condition"/> is true; exceptions count as "not yet".</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken token = default)
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

            await Task.Delay(100, token);
        }
    }
}
