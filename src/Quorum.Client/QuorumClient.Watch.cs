using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

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
        while (true)
        {
            using (var response = await OpenWatchAsync(prefix, from, token))
            {
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

            // The stream ended (the member stopped, or cut the watch off): resume on the next member.
            MoveOn(Volatile.Read(ref current));
        }
    }

    // Opens the stream on whichever member serves it. Members that cannot be reached or have no
    // leader are tried in turn, waiting 100 ms, 200 ms ... up to 1 s between rounds, for 30 s in
    // all; any other refusal (410 above all) is the answer.
    private async Task<HttpResponseMessage> OpenWatchAsync(string prefix, long? from, CancellationToken token)
    {
        var query = "watch?prefix=" + Uri.EscapeDataString(prefix ?? string.Empty) + (from is { } f ? "&from=" + f.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
        try
        {
            return await watchOpening.ExecuteAsync(
                async attempt =>
                {
                    var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, query), attempt, HttpCompletionOption.ResponseHeadersRead, timeout: false);
                    if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.ServiceUnavailable)
                        return response;

                    using (response)
                        throw await ErrorAsync(response, attempt);
                },
                token);
        }
        catch (TimeoutRejectedException e)
        {
            throw new QuorumClientException(HttpStatusCode.ServiceUnavailable, $"No member could serve the watch for {GiveUpAfter.TotalSeconds:0}s: {e.InnerException?.Message ?? "no leader, or unreachable"}.");
        }
    }

    private ResiliencePipeline<HttpResponseMessage> CreateWatchOpeningPipeline() => new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddTimeout(GiveUpAfter)
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .HandleResult(static response => response.StatusCode == HttpStatusCode.ServiceUnavailable),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = LongestBackoff,
            UseJitter = false,
            OnRetry = args =>
            {
                args.Outcome.Result?.Dispose();
                MoveOn(Volatile.Read(ref current));
                return default;
            },
        })
        .Build();

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
