using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Quorum.Chaos.Checker;
using Quorum.Chaos.Cluster;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// The raw HTTP of watching, for the watch workload: opening <c>GET /watch</c> on one node and
/// reading its server-sent events, and a linearizable listing of a prefix. The workload does its
/// own resuming, so this speaks HTTP directly rather than through <c>QuorumClient</c>, which resumes
/// by itself.
/// </summary>
internal sealed class WatchStreams : IDisposable
{
    private readonly HttpClient http;

    public WatchStreams(ChaosSecurity? security)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) };
        http = new HttpClient(security?.Trust(handler) ?? handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (security is not null)
            http.DefaultRequestHeaders.Authorization = ChaosSecurity.Workload;
    }

    /// <summary>
    /// Reads the watch of <paramref name="prefix"/> from revision <paramref name="from"/> on
    /// <paramref name="node"/>, handing each item to <paramref name="onItem"/> (which returns false
    /// to stop), until the stream ends, breaks, or is idle for <paramref name="idle"/>.
    /// </summary>
    /// <returns>The HTTP status of the opening (200 once the stream ran), and for a 410 the oldest revision kept.</returns>
    public async Task<(HttpStatusCode? Status, long? Oldest)> ReadAsync(ChaosNode node, string prefix, long from, TimeSpan idle, Func<WatchItem, bool> onItem, CancellationToken token)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(token);
        stream.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await http.GetAsync($"{node.HttpUrl}/watch?prefix={Uri.EscapeDataString(prefix)}&from={from.ToString(CultureInfo.InvariantCulture)}", HttpCompletionOption.ResponseHeadersRead, stream.Token);
            if (response.StatusCode == HttpStatusCode.Gone)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stream.Token));
                return (response.StatusCode, body.RootElement.TryGetProperty("revision", out var oldest) ? oldest.GetInt64() : null);
            }

            if (response.StatusCode != HttpStatusCode.OK)
                return (response.StatusCode, null);

            stream.CancelAfter(idle);
            await using var body2 = await response.Content.ReadAsStreamAsync(stream.Token);
            await foreach (var item in SseParser.Create(body2, Parse).EnumerateAsync(stream.Token))
            {
                stream.CancelAfter(idle);
                if (item.Data is { } data && !onItem(data))
                    break;
            }

            return (HttpStatusCode.OK, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            return (null, null);
        }
    }

    /// <summary>Lists the prefix linearizably through <paramref name="node"/>: its keys and values, and the revision it was read at.</summary>
    /// <returns>The listing, or <see langword="null"/> when refused or unanswered.</returns>
    public async Task<(long Revision, IReadOnlyDictionary<string, string> Items)?> ListAsync(ChaosNode node, string prefix, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var response = await http.GetAsync($"{node.HttpUrl}/keys?prefix={Uri.EscapeDataString(prefix)}&limit=10000", timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
                return null;

            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            var root = page.RootElement;
            if (root.GetProperty("more").GetBoolean())
                return null;

            var items = root.GetProperty("items").EnumerateArray().ToDictionary(
                static i => i.GetProperty("key").GetString()!,
                static i => Encoding.UTF8.GetString(i.GetProperty("value").GetBytesFromBase64()),
                StringComparer.Ordinal);
            return (root.GetProperty("revision").GetInt64(), items);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();

    private static WatchItem? Parse(string type, ReadOnlySpan<byte> data)
    {
        using var json = JsonDocument.Parse(data.ToArray());
        var root = json.RootElement;
        return type switch
        {
            "start" => new WatchItem.Start(root.GetProperty("revision").GetInt64()),
            "cutoff" => new WatchItem.CutOff(root.GetProperty("revision").GetInt64()),
            SseParser.EventTypeDefault => new WatchItem.Change(new WatchedEvent(
                root.GetProperty("type").GetString()!,
                root.GetProperty("key").GetString()!,
                root.TryGetProperty("value", out var value) ? Encoding.UTF8.GetString(value.GetBytesFromBase64()) : null,
                root.GetProperty("revision").GetInt64())),
            _ => null,
        };
    }
}

/// <summary>One item of a watch stream.</summary>
internal abstract record WatchItem
{
    /// <summary>The stream's start: the first revision it reports.</summary>
    public sealed record Start(long Revision) : WatchItem;

    /// <summary>The node cut the watch off; resume from <paramref name="Revision"/>.</summary>
    public sealed record CutOff(long Revision) : WatchItem;

    /// <summary>A change.</summary>
    public sealed record Change(WatchedEvent Event) : WatchItem;
}
