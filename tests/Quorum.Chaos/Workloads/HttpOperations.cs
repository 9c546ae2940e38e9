using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Quorum.Chaos.History;
using Quorum.Client;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Performs reads and writes over HTTP and records them as a client saw them: what it asked, when,
/// and how it ended. Every answer is counted by its status, and only the statuses the API contract
/// gives an operation are accepted: a write may answer 200, 503 or 507 (certainly not applied) or 504
/// (outcome unknown); a compare-and-set also 412; a read 200, 404 or 503. Anything else, a 500
/// above all, is a bug the run must fail on, and lands in <see cref="Unexpected"/>.
/// </summary>
internal sealed class HttpOperations : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(12);

    private readonly HistoryRecorder history;
    private readonly HttpClient http;

    /// <summary>Initializes a new instance of the <see cref="HttpOperations"/> class.</summary>
    /// <param name="history">Where operations are recorded.</param>
    /// <param name="security">For a run with TLS and auth on: the CA to trust; requests go as the workload user.</param>
    public HttpOperations(HistoryRecorder history, Cluster.ChaosSecurity? security = null)
    {
        this.history = history;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };
        http = new HttpClient(security?.Trust(handler) ?? handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (security is not null)
            http.DefaultRequestHeaders.Authorization = Cluster.ChaosSecurity.Workload;
        SupportsQueuedReads = security is null;
    }

    /// <summary>
    /// Gets a value indicating whether reads can be queued at a paused node (<see cref="StartQueuedReadAsync"/>):
    /// not over TLS, whose handshake needs the node awake.
    /// </summary>
    public bool SupportsQueuedReads { get; }

    private readonly ConcurrentDictionary<string, int> answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> unexpected = new();

    /// <summary>Gets the time on the history's clock, in microseconds since the run began.</summary>
    public long Now => history.Now;

    /// <summary>Gets how many answers of each kind came, keyed <c>kind answer</c> (<c>write 503</c>, <c>read timeout</c>).</summary>
    public IReadOnlyDictionary<string, int> Answers => answers;

    /// <summary>Gets the answers outside the contract, one line each.</summary>
    public IReadOnlyCollection<string> Unexpected => unexpected;

    public Task<Operation> WriteAsync(int process, string nodeId, string baseUrl, string key, string value, CancellationToken token)
        => WriteAsync(process, nodeId, baseUrl, key, value, ttl: null, token);

    /// <summary>Writes a key, with a lease of <paramref name="ttl"/> when one is given.</summary>
    public async Task<Operation> WriteAsync(int process, string nodeId, string baseUrl, string key, string value, TimeSpan? ttl, CancellationToken token)
    {
        var invoke = history.Now;
        var query = ttl is { } t ? "?ttl=" + ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms" : string.Empty;
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{baseUrl}/{QuorumClient.KeyPath(key)}{query}") { Content = new StringContent(value) };
        var answer = await SendAsync(request, token);
        var status = answer.Code switch
        {
            HttpStatusCode.OK => OperationStatus.Ok,
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage => OperationStatus.Fail,
            HttpStatusCode.GatewayTimeout => OperationStatus.Info,
            null => answer.Certain ? OperationStatus.Fail : OperationStatus.Info,
            _ => Unexpect("write", nodeId, key, answer, OperationStatus.Info),
        };

        return Record(new Operation(process, OperationKind.Write, key, value, status, invoke, history.Now, nodeId, answer.Error, Answer: answer.Label), "write");
    }

    /// <summary>
    /// Compare-and-set through the HTTP API's preconditions: writes <paramref name="value"/> if the key
    /// is still at <paramref name="revision"/> (the revision read with <paramref name="expected"/>;
    /// 0: absent). Values are unique per write, so "at that revision" is "holds that value".
    /// </summary>
    public async Task<Operation> CompareAndSetAsync(int process, string nodeId, string baseUrl, string key, string? expected, long revision, string value, CancellationToken token)
    {
        var invoke = history.Now;
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{baseUrl}/{QuorumClient.KeyPath(key)}") { Content = new StringContent(value) };
        if (revision == 0)
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        else
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{revision}\"");

        var answer = await SendAsync(request, token);
        var (kind, status) = answer.Code switch
        {
            HttpStatusCode.OK => (OperationKind.Cas, OperationStatus.Ok),
            HttpStatusCode.PreconditionFailed => (OperationKind.CasFailed, OperationStatus.Ok),
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage => (OperationKind.Cas, OperationStatus.Fail),
            HttpStatusCode.GatewayTimeout => (OperationKind.Cas, OperationStatus.Info),
            null => (OperationKind.Cas, answer.Certain ? OperationStatus.Fail : OperationStatus.Info),
            _ => (OperationKind.Cas, Unexpect("cas", nodeId, key, answer, OperationStatus.Info)),
        };

        return Record(new Operation(process, kind, key, value, status, invoke, history.Now, nodeId, answer.Error, expected, answer.Label), "cas");
    }

    /// <summary>
    /// Puts <paramref name="value"/> under <paramref name="key"/>, or deletes the key when it is
    /// <see langword="null"/>, without recording it in the history (the watch workload keeps its own).
    /// </summary>
    /// <returns>How it ended, and for a 200 the revision the answer gave (else 0).</returns>
    public async Task<(OperationStatus Status, long Revision)> ChangeAsync(string nodeId, string baseUrl, string key, string? value, CancellationToken token)
    {
        var kind = value is null ? "delete" : "write";
        using var request = new HttpRequestMessage(value is null ? HttpMethod.Delete : HttpMethod.Put, $"{baseUrl}/{QuorumClient.KeyPath(key)}") { Content = value is null ? null : new StringContent(value) };
        var answer = await SendAsync(request, token);
        answers.AddOrUpdate($"{kind} {answer.Label}", 1, static (_, n) => n + 1);
        var status = answer.Code switch
        {
            HttpStatusCode.OK => OperationStatus.Ok,
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage => OperationStatus.Fail,
            HttpStatusCode.GatewayTimeout => OperationStatus.Info,
            null => answer.Certain ? OperationStatus.Fail : OperationStatus.Info,
            _ => Unexpect(kind, nodeId, key, answer, OperationStatus.Info),
        };

        if (status != OperationStatus.Ok)
            return (status, 0);

        using var body = System.Text.Json.JsonDocument.Parse(answer.Body!);
        return (status, body.RootElement.GetProperty("revision").GetInt64());
    }

    public async Task<Operation> ReadAsync(int process, string nodeId, string baseUrl, string key, CancellationToken token)
        => (await ReadWithRevisionAsync(process, nodeId, baseUrl, key, token)).Operation;

    /// <summary>Reads a key, and the revision its value carries (its ETag; 0 when absent).</summary>
    public async Task<(Operation Operation, long Revision)> ReadWithRevisionAsync(int process, string nodeId, string baseUrl, string key, CancellationToken token)
    {
        var invoke = history.Now;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/{QuorumClient.KeyPath(key)}");
        var answer = await SendAsync(request, token);
        return RecordRead(process, nodeId, key, invoke, answer);
    }

    /// <summary>
    /// Starts a read whose request is in the node's socket before this returns, for a node that is
    /// paused: it is answered first thing when the node runs again. HttpClient cannot say when its
    /// request has been sent, so this one writes the request on a socket of its own.
    /// </summary>
    /// <returns>A task that completes with the recorded read once the node answers.</returns>
    public async Task<Task<Operation>> StartQueuedReadAsync(int process, string nodeId, string host, int port, string key, CancellationToken token)
    {
        var invoke = history.Now;
        var request = await RawHttpRequest.SendAsync(host, port, "GET", "/" + QuorumClient.KeyPath(key), token);
        return CompleteAsync();

        async Task<Operation> CompleteAsync()
        {
            Answer answer;
            using (request)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(RequestTimeout);
                try
                {
                    var response = await request.ReadResponseAsync(timeout.Token);
                    answer = new Answer(response.Status, ((int)response.Status).ToString(CultureInfo.InvariantCulture), null, Certain: true, response.Body, response.ETag);
                }
                catch (Exception e) when (e is IOException || (e is OperationCanceledException && !token.IsCancellationRequested))
                {
                    answer = new Answer(null, e is OperationCanceledException ? "timeout" : "connection-lost", e.Message, Certain: true);
                }
            }

            return RecordRead(process, nodeId, key, invoke, answer).Operation;
        }
    }

    /// <summary>Lists the keys under <paramref name="prefix"/> (a linearizable listing, one page of up to 10,000 keys).</summary>
    /// <returns>When the listing was asked for and answered, and its keys; <see langword="null"/> keys when it was refused, unanswered or did not fit one page.</returns>
    public async Task<(long Invoke, long Complete, IReadOnlySet<string>? Keys)> ListKeysAsync(string nodeId, string baseUrl, string prefix, CancellationToken token)
    {
        var invoke = history.Now;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/keys?prefix={Uri.EscapeDataString(prefix)}&limit=10000");
        var answer = await SendAsync(request, token);
        var complete = history.Now;
        answers.AddOrUpdate($"list {answer.Label}", 1, static (_, n) => n + 1);
        switch (answer.Code)
        {
            case HttpStatusCode.OK:
                using (var page = System.Text.Json.JsonDocument.Parse(answer.Body!))
                {
                    var root = page.RootElement;
                    return (invoke, complete, root.GetProperty("more").GetBoolean()
                        ? null
                        : root.GetProperty("items").EnumerateArray().Select(static i => i.GetProperty("key").GetString()!).ToHashSet(StringComparer.Ordinal));
                }

            case HttpStatusCode.ServiceUnavailable or null:
                return (invoke, complete, null);
            default:
                Unexpect("list", nodeId, prefix, answer, OperationStatus.Fail);
                return (invoke, complete, null);
        }
    }

    public void Dispose() => http.Dispose();

    private (Operation Operation, long Revision) RecordRead(int process, string nodeId, string key, long invoke, Answer answer)
    {
        // A read that got no answer, or a refusal, changed nothing: it is dropped from the check.
        var (status, value, revision) = answer.Code switch
        {
            HttpStatusCode.OK => (OperationStatus.Ok, answer.Body, long.Parse(answer.ETag!.Trim('"'), CultureInfo.InvariantCulture)),
            HttpStatusCode.NotFound => (OperationStatus.Ok, null, 0L),
            HttpStatusCode.ServiceUnavailable or null => (OperationStatus.Fail, null, 0L),
            _ => (Unexpect("read", nodeId, key, answer, OperationStatus.Fail), null, 0L),
        };

        return (Record(new Operation(process, OperationKind.Read, key, value, status, invoke, history.Now, nodeId, answer.Error, Answer: answer.Label), "read"), revision);
    }

    private async Task<Answer> SendAsync(HttpRequestMessage request, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
            return new Answer(response.StatusCode, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), response.IsSuccessStatusCode ? null : body, Certain: true, body, response.Headers.ETag?.Tag);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // No connection was made, so the request never reached a node.
            return new Answer(null, "connect-failed", e.Message, Certain: true);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            // The request may have reached the node before the answer was lost. That includes a
            // request cut short because the workload stopped: it must go into the history as
            // unknown, not vanish, since a node may have applied it and a later read may show it.
            var label = e is HttpRequestException ? "connection-lost" : token.IsCancellationRequested ? "stopped" : "timeout";
            return new Answer(null, label, e.Message, Certain: false);
        }
    }

    private OperationStatus Unexpect(string kind, string nodeId, string key, Answer answer, OperationStatus status)
    {
        unexpected.Enqueue($"{kind} {key} via {nodeId} answered {answer.Label}: {answer.Error}");
        return status;
    }

    private Operation Record(Operation operation, string kind)
    {
        answers.AddOrUpdate($"{kind} {operation.Answer}", 1, static (_, n) => n + 1);
        history.Add(operation);
        return operation;
    }

    /// <summary>How a request ended: an HTTP status, or none with a label saying what happened instead.</summary>
    /// <param name="Code">The status, or <see langword="null"/> when no answer came.</param>
    /// <param name="Label">What is counted: the status code, <c>connect-failed</c>, <c>timeout</c> or <c>connection-lost</c>.</param>
    /// <param name="Error">The error body or message.</param>
    /// <param name="Certain">For no answer: whether the request certainly never reached a node.</param>
    /// <param name="Body">The body of an answer.</param>
    /// <param name="ETag">The ETag of an answer.</param>
    private sealed record Answer(HttpStatusCode? Code, string Label, string? Error, bool Certain, string? Body = null, string? ETag = null);
}
