using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;
using Quorum.Contracts;
using Quorum.Contracts.Transactions;

namespace Quorum.Client;

/// <summary>
/// A typed client for Quorum's HTTP API. Give it any members: it sends each request to one of them,
/// and moves on to the next when a member cannot be reached or has no leader at the moment (both
/// mean the request was not applied). A follower forwards writes to the leader and answers
/// linearizable reads after checking with it, so the client never needs to know the leader.
/// </summary>
public sealed partial class QuorumClient : IDisposable
{
    private const int AttemptsPerEndpoint = 3;
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(1);

    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private static readonly ResiliencePropertyKey<int> EndpointKey = new("quorum.endpoint");

    private readonly Uri[] endpoints;
    private readonly ResiliencePipeline<HttpResponseMessage> retry;
    private readonly ResiliencePipeline<HttpResponseMessage> watchOpening;
    private int current;

    /// <summary>Initializes a new instance of the <see cref="QuorumClient"/> class for one member's base URL.</summary>
    /// <param name="endpoint">The member's HTTP base URL, such as <c>http://127.0.0.1:8080</c>.</param>
    public QuorumClient(Uri endpoint)
        : this([endpoint])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="QuorumClient"/> class for several members.</summary>
    /// <param name="endpoints">The members' HTTP base URLs; any subset of the cluster will do.</param>
    public QuorumClient(IEnumerable<Uri> endpoints)
        : this(new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan }, ownsHttp: true, endpoints)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="QuorumClient"/> class for several members, with credentials and TLS settings.</summary>
    /// <param name="endpoints">The members' HTTP base URLs; any subset of the cluster will do.</param>
    /// <param name="options">Who the client is (a user and password, or a token) and whom it trusts.</param>
    public QuorumClient(IEnumerable<Uri> endpoints, QuorumClientOptions options)
        : this(CreateHttp(options ?? throw new ArgumentNullException(nameof(options))), ownsHttp: true, endpoints)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="QuorumClient"/> class over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the member.</summary>
    /// <param name="http">The HTTP client.</param>
    public QuorumClient(HttpClient http)
        : this(http, ownsHttp: false, [(http ?? throw new ArgumentNullException(nameof(http))).BaseAddress ?? throw new ArgumentException("The HTTP client needs a BaseAddress.", nameof(http))])
    {
    }

    private QuorumClient(HttpClient http, bool ownsHttp, IEnumerable<Uri> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.endpoints = endpoints.Select(static e => e.AbsoluteUri.EndsWith('/') ? e : new Uri(e.AbsoluteUri + "/")).ToArray();
        if (this.endpoints.Length == 0)
            throw new ArgumentException("Give at least one endpoint.", nameof(endpoints));
        retry = CreateRetryPipeline();
        watchOpening = CreateWatchOpeningPipeline();
    }

    /// <summary>Gets the member the next request goes to first: the last one that answered, or the leader a follower named in <c>X-Quorum-Leader</c> when it is one of the endpoints.</summary>
    public Uri Endpoint => endpoints[Volatile.Read(ref current)];

    /// <summary>Gets or sets how long one request may take, per attempt (watches excepted).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Builds the path of a key: every byte but unreserved ASCII is percent-encoded, so slashes and dots survive intact.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The relative path, such as <c>key/a%2Fb</c>.</returns>
    public static string KeyPath(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return "key/" + Escape(key);
    }

    /// <summary>Sets a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The write's revision.</returns>
    /// <exception cref="QuorumClientException">The server refused the write, or its outcome is unknown.</exception>
    public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken token = default)
        => PutAsync(key, value, PutOptions.None, token);

    /// <summary>Sets a key to a UTF-8 string.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The write's revision.</returns>
    public Task<long> PutAsync(string key, string value, CancellationToken token = default)
        => PutAsync(key, Encoding.UTF8.GetBytes(value), PutOptions.None, token);

    /// <summary>Sets a key on a condition (a revision, or create only), optionally with a time to live.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">The condition and TTL.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The write's revision.</returns>
    /// <exception cref="QuorumClientException">The server refused the write (412 when the condition failed, with <see cref="QuorumClientException.Revision"/> the key's revision), or its outcome is unknown.</exception>
    public async Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, PutOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Ttl is { } ttl ? $"{KeyPath(key)}?ttl={DurationText.Format(ttl)}" : KeyPath(key);
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ReadOnlyMemoryContent(value) };
                AddCondition(request, options.IfRevision, options.CreateOnly);
                return request;
            },
            token);
        return (await ReadAsync(response, ClientJsonContext.Default.WriteAnswer, token)).Revision;
    }

    /// <summary>Reads a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="consistency">How up to date the answer must be.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The value and its revision, or <see langword="null"/> when the key is absent.</returns>
    public async Task<VersionedValue?> GetAsync(string key, Consistency consistency = Consistency.Linearizable, CancellationToken token = default)
    {
        var path = consistency == Consistency.Stale ? KeyPath(key) + "?consistency=stale" : KeyPath(key);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), token);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);

        var revision = response.Headers.ETag is { } etag && long.TryParse(etag.Tag.Trim('"'), out var parsed) ? parsed : 0;
        return new VersionedValue(await response.Content.ReadAsByteArrayAsync(token), revision);
    }

    /// <summary>Reads a key as a UTF-8 string.</summary>
    /// <param name="key">The key.</param>
    /// <param name="consistency">How up to date the answer must be.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The value, or <see langword="null"/> when the key is absent.</returns>
    public async Task<string?> GetStringAsync(string key, Consistency consistency = Consistency.Linearizable, CancellationToken token = default)
        => await GetAsync(key, consistency, token) is { } value ? Encoding.UTF8.GetString(value.Value) : null;

    /// <summary>Deletes a key; deleting an absent key is not an error.</summary>
    /// <param name="key">The key.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The delete's revision.</returns>
    public Task<long> DeleteAsync(string key, CancellationToken token = default) => DeleteAsync(key, ifRevision: null, token);

    /// <summary>Deletes a key if it is at a revision.</summary>
    /// <param name="key">The key.</param>
    /// <param name="ifRevision">The revision the key must have, or <see langword="null"/> for no condition.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The delete's revision.</returns>
    /// <exception cref="QuorumClientException">The server refused the delete (412 when the key was at another revision), or its outcome is unknown.</exception>
    public async Task<long> DeleteAsync(string key, long? ifRevision, CancellationToken token = default)
    {
        var path = KeyPath(key);
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Delete, path);
                AddCondition(request, ifRevision, createOnly: false);
                return request;
            },
            token);
        return (await ReadAsync(response, ClientJsonContext.Default.WriteAnswer, token)).Revision;
    }

    /// <summary>Lists keys under a prefix in byte order, one page.</summary>
    /// <param name="prefix">The prefix; empty lists every key.</param>
    /// <param name="limit">The most keys in the page, or <see langword="null"/> for the server's default (1000).</param>
    /// <param name="after">Start after this key: the last key of the previous page.</param>
    /// <param name="consistency">How up to date the page must be.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The page.</returns>
    public async Task<KeyPage> ListAsync(string prefix = "", int? limit = null, string? after = null, Consistency consistency = Consistency.Linearizable, CancellationToken token = default)
    {
        var query = new List<string> { "prefix=" + Uri.EscapeDataString(prefix ?? string.Empty) };
        if (limit is { } l)
            query.Add("limit=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (after is not null)
            query.Add("after=" + Uri.EscapeDataString(after));
        if (consistency == Consistency.Stale)
            query.Add("consistency=stale");

        var path = "keys?" + string.Join('&', query);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), token);
        return await ReadAsync(response, ClientJsonContext.Default.KeyPage, token);
    }

    /// <summary>Lists every key under a prefix, page by page.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <param name="pageSize">Keys per request.</param>
    /// <param name="consistency">How up to date each page must be.</param>
    /// <param name="token">Cancels the listing.</param>
    /// <returns>The keys, in byte order.</returns>
    public async IAsyncEnumerable<KeyItem> ListAllAsync(string prefix = "", int pageSize = 1000, Consistency consistency = Consistency.Linearizable, [EnumeratorCancellation] CancellationToken token = default)
    {
        string? after = null;
        while (true)
        {
            var page = await ListAsync(prefix, pageSize, after, consistency, token);
            foreach (var item in page.Items)
                yield return item;
            if (!page.More || page.Items.Count == 0)
                yield break;

            after = page.Items[^1].Key;
        }
    }

    /// <summary>Runs a transaction: its compares, then its success or failure operations, atomically.</summary>
    /// <param name="request">The transaction.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>Which branch ran and each operation's result.</returns>
    public async Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = TxnBody.From(request);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "txn") { Content = JsonContent.Create(body, WireJson.Wire.TxnBody) }, token);
        return await ReadAsync(response, WireJson.Wire.TxnResponse, token);
    }

    /// <summary>Lists the voting members.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The members.</returns>
    public async Task<IReadOnlyList<Member>> GetMembersAsync(CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "raft/members"), token);
        return await ReadAsync(response, ClientJsonContext.Default.MemberArray, token);
    }

    /// <summary>Gets the status of the member asked.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The status.</returns>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "status"), token);
        return await ReadAsync(response, ClientJsonContext.Default.NodeStatus, token);
    }

    /// <summary>Adds a voting member (or updates its addresses).</summary>
    /// <param name="id">Its ID.</param>
    /// <param name="raftAddress">Its Raft address, <c>host:port</c>.</param>
    /// <param name="httpAddress">Its HTTP base URL, if known.</param>
    /// <param name="force">Add it even if the cluster would be left without a majority the leader can reach now (otherwise refused with 409).</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the member is part of the committed configuration.</returns>
    public async Task AddMemberAsync(string id, string raftAddress, string? httpAddress = null, bool force = false, CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, force ? "raft/add?force=true" : "raft/add") { Content = JsonContent.Create(new AddMemberRequest(id, raftAddress, httpAddress), ClientJsonContext.Default.AddMemberRequest) }, token);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);
    }

    /// <summary>Removes a voting member.</summary>
    /// <param name="id">Its ID.</param>
    /// <param name="force">Remove it even if the cluster would be left without a majority the leader can reach now (otherwise refused with 409).</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the new configuration is committed.</returns>
    public async Task RemoveMemberAsync(string id, bool force = false, CancellationToken token = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, force ? "raft/remove?force=true" : "raft/remove") { Content = JsonContent.Create(new RemoveMemberRequest(id), ClientJsonContext.Default.RemoveMemberRequest) }, token);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (ownsHttp)
            http.Dispose();
    }

    private static HttpClient CreateHttp(QuorumClientOptions options)
    {
        var http = new HttpClient(options.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.Token is { } bearer)
            http.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        else if (options.User is { } user)
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Password}")));
        return http;
    }

    private static string Escape(string text)
    {
        var encoded = new StringBuilder(text.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'~')
                encoded.Append((char)b);
            else
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return encoded.ToString();
    }

    private static void AddCondition(HttpRequestMessage request, long? ifRevision, bool createOnly)
    {
        if (ifRevision is { } revision)
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{revision}\"");
        else if (createOnly)
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken token, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool timeout = true)
    {
        var context = ResilienceContextPool.Shared.Get(token);
        try
        {
            return await retry.ExecuteAsync(
                async context =>
                {
                    var index = Volatile.Read(ref current);
                    context.Properties.Set(EndpointKey, index);
                    using var request = build();
                    request.RequestUri = new Uri(endpoints[index], request.RequestUri!.OriginalString);
                    using var perAttempt = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
                    if (timeout)
                        perAttempt.CancelAfter(RequestTimeout);

                    try
                    {
                        var response = await http.SendAsync(request, completion, perAttempt.Token);
                        FollowLeaderHint(response);
                        return response;
                    }
                    catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
                    {
                        throw new QuorumClientException(HttpStatusCode.GatewayTimeout, $"{endpoints[index]} did not answer within {RequestTimeout.TotalSeconds:0.###}s; if the request was a write, its outcome is unknown.");
                    }
                },
                context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // A request that never reached a member (it could not be connected to), or that a member
    // refused with 503 (no leader, no quorum: nothing applied), goes to the next member: at once
    // after a connection failure, after 50 ms, 100 ms ... up to 1 s after a 503, so an election
    // can finish. Anything else, a 504 above all, is the answer; so is the last try's.
    private ResiliencePipeline<HttpResponseMessage> CreateRetryPipeline() => new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>(static e => e.HttpRequestError == HttpRequestError.ConnectionError)
                .HandleResult(static response => response.StatusCode == HttpStatusCode.ServiceUnavailable),
            MaxRetryAttempts = (endpoints.Length * AttemptsPerEndpoint) - 1,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = LongestBackoff,
            UseJitter = false,
            DelayGenerator = static args => new ValueTask<TimeSpan?>(args.Outcome.Exception is not null ? TimeSpan.Zero : null),
            OnRetry = args =>
            {
                args.Outcome.Result?.Dispose();
                MoveOn(args.Context.Properties.GetValue(EndpointKey, Volatile.Read(ref current)));
                return default;
            },
        })
        .Build();

    // A follower that passed a write on names the leader (X-Quorum-Leader): when it is one of this
    // client's endpoints, later requests go straight there and skip the follower's hop.
    private void FollowLeaderHint(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues(QuorumHeaders.Leader, out var values) || !Uri.TryCreate(values.FirstOrDefault(), UriKind.Absolute, out var leader))
            return;

        for (var i = 0; i < endpoints.Length; i++)
        {
            if (Uri.Compare(endpoints[i], leader, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                Volatile.Write(ref current, i);
                return;
            }
        }
    }

    private void MoveOn(int failed) => Interlocked.CompareExchange(ref current, (failed + 1) % endpoints.Length, failed);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken token)
    {
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);

        return await response.Content.ReadFromJsonAsync(type, token)
            ?? throw new QuorumClientException(response.StatusCode, "The server sent an empty answer.");
    }

    private static async Task<QuorumClientException> ErrorAsync(HttpResponseMessage response, CancellationToken token)
    {
        string message;
        long? revision = null;
        try
        {
            var error = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.ErrorAnswer, token);
            message = error?.Error ?? $"HTTP {(int)response.StatusCode}";
            revision = error?.Revision;
        }
        catch (System.Text.Json.JsonException)
        {
            message = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }

        return new QuorumClientException(response.StatusCode, message, revision);
    }
}
