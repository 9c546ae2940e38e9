using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Quorum.Client;

/// <summary>Watching, with resumption: see <see cref="WatchAsync"/>.</summary>
public sealed partial class QuorumClient
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Watches the keys under a prefix: every change from <paramref name="fromRevision"/> on, in
    /// order. When the member serving the watch goes away, or cuts the watch off because it fell
    /// behind, the watch resumes on the next member where it left off, so no change is missed or
    /// repeated.
    /// </summary>
    /// <param name="prefix">The prefix; empty watches every key.</param>
    /// <param name="fromRevision">The first revision to report, or <see langword="null"/> for changes from now on.</param>
    /// <param name="token">Ends the watch.</param>
    /// <returns>The changes.</returns>
    /// <exception cref="QuorumClientException">The server refused the watch: 410 when the revision is older than its history (<see cref="QuorumClientException.Revision"/> is the oldest available), or no member could be reached for <c>30s</c>.</exception>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix = "", long? fromRevision = null, [EnumeratorCancellation] CancellationToken token = default)
    {
        // Where to resume: the revision to ask for, and how many of its events were already
        // delivered (a revision's events can span a broken connection).
        var from = fromRevision;
        var delivered = 0;
        var failingSince = (DateTime?)null;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var query = "watch?prefix=" + Uri.EscapeDataString(prefix ?? string.Empty) + (from is { } f ? "&from=" + f.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
            HttpResponseMessage? response = null;
            try
            {
                response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, query), token, HttpCompletionOption.ResponseHeadersRead, timeout: false);
            }
            catch (HttpRequestException e) when (!token.IsCancellationRequested)
            {
                failingSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - failingSince > GiveUpAfter)
                    throw new QuorumClientException(HttpStatusCode.ServiceUnavailable, $"No member could serve the watch for {GiveUpAfter.TotalSeconds:0}s: {e.Message}");
            }

            if (response is not null)
            {
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                        failingSince ??= DateTime.UtcNow;
                    else if (!response.IsSuccessStatusCode)
                        throw await ErrorAsync(response, token);

                    if (response.IsSuccessStatusCode)
                    {
                        failingSince = null;
                        backoff = TimeSpan.FromMilliseconds(100);
                        var skip = delivered;
                        await using var stream = new WatchStream(await response.Content.ReadAsStreamAsync(token), token);
                        while (await stream.NextAsync() is { } item)
                        {
                            switch (item)
                            {
                                case WatchStartBody start:
                                    from ??= start.Revision;
                                    break;
                                case WatchCutOffBody cutOff:
                                    from = cutOff.Revision;
                                    delivered = 0;
                                    skip = 0;
                                    break;
                                case WatchEvent change when change.Revision == from && skip > 0:
                                    skip--;
                                    break;
                                case WatchEvent change:
                                    if (change.Revision == from)
                                    {
                                        delivered++;
                                    }
                                    else
                                    {
                                        from = change.Revision;
                                        delivered = 1;
                                    }

                                    yield return change;
                                    break;
                            }
                        }
                    }
                }
            }

            if (failingSince is { } since && DateTime.UtcNow - since > GiveUpAfter)
                throw new QuorumClientException(HttpStatusCode.ServiceUnavailable, $"No member could serve the watch for {GiveUpAfter.TotalSeconds:0}s.");

            // The stream ended (the member stopped or cut the watch off) or failed: resume on the next member.
            MoveOn(Volatile.Read(ref current));
            await Task.Delay(backoff, token);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LongestBackoff.Ticks));
        }
    }

    /// <summary>
    /// Reads the watch's server-sent events with the BCL's <see cref="SseParser"/>: the start event,
    /// changes (unnamed events) and cutoffs; <see langword="null"/> when the stream ends or breaks.
    /// </summary>
    private sealed class WatchStream(Stream body, CancellationToken token) : IAsyncDisposable
    {
        private readonly IAsyncEnumerator<SseItem<object?>> items = SseParser.Create(body, Parse).EnumerateAsync(token).GetAsyncEnumerator(token);

        public async ValueTask DisposeAsync()
        {
            await items.DisposeAsync();
            await body.DisposeAsync();
        }

        public async Task<object?> NextAsync()
        {
            try
            {
                while (await items.MoveNextAsync())
                {
                    // An event this client does not know (a later server's) is skipped.
                    if (items.Current.Data is { } item)
                        return item;
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
            }

            return null;
        }

        private static object? Parse(string eventType, ReadOnlySpan<byte> data) => eventType switch
        {
            "start" => JsonSerializer.Deserialize(data, ClientJsonContext.Default.WatchStartBody),
            "cutoff" => JsonSerializer.Deserialize(data, ClientJsonContext.Default.WatchCutOffBody) ?? throw new JsonException("Empty cutoff event."),
            SseParser.EventTypeDefault => JsonSerializer.Deserialize(data, ClientJsonContext.Default.WatchEventBody) is { } body
                ? new WatchEvent(body.Type == "delete" ? WatchEventType.Delete : WatchEventType.Put, body.Key, body.Value, body.Revision)
                : throw new JsonException("Empty watch event."),
            _ => null,
        };
    }
}
