namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes: the only way tests wait.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="probe"/> returns a value; exceptions count as "not yet".</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await probe() is { } value)
                    return value;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }

            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#}s waiting for {what}." + (last is null ? string.Empty : $" Last error: {last.GetType().Name}: {last.Message}"), last);

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> is true; exceptions count as "not yet".</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
        => GetAsync(async () => await condition() ? string.Empty : null, timeout, what);
}
