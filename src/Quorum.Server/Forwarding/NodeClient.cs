using System.Net.Http.Json;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Forwarding;

/// <summary>
/// The HTTP client one node uses to talk to the others: forwarding requests to the leader, asking
/// it for read indexes, and joining. One pooled, keep-alive connection set for all of it.
/// </summary>
public sealed class NodeClient : ILeaderClient, IDisposable
{
    /// <summary>The header a node adds to a request it forwards, naming itself; a node that is not the leader never forwards such a request again.</summary>
    public const string ForwardedHeader = "X-Quorum-Forwarded-By";

    /// <summary>The header a forwarding node proves it is a member with (a node token), when auth is on and no peer certificate does.</summary>
    public const string ForwardedProofHeader = "X-Quorum-Forwarded-Proof";

    private readonly HttpClient client;
    private readonly string selfId;

    /// <summary>Initializes a new instance of the <see cref="NodeClient"/> class.</summary>
    /// <param name="selfId">This node's ID, sent in <see cref="ForwardedHeader"/>.</param>
    /// <param name="tls">The certificate this node presents to others and the CAs it trusts them by; <see langword="null"/> for the system's defaults.</param>
    public NodeClient(string selfId, System.Net.Security.SslClientAuthenticationOptions? tls = null)
    {
        this.selfId = selfId;
        client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 256,
            SslOptions = tls ?? new(),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// Gets or sets what proves this node to the others when auth is on and no peer certificate does:
    /// an <c>Authorization</c> value (a node token), or <see langword="null"/> for none. Added to a
    /// request that carries no credentials of its own.
    /// </summary>
    public Func<string?>? NodeAuthorization { get; set; }

    /// <summary>Sends a request to another node, marked as forwarded by this one.</summary>
    /// <param name="request">The request.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The response, with its body not yet read.</returns>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.TryAddWithoutValidation(ForwardedHeader, selfId);
        return SendUnmarkedAsync(request, token);
    }

    /// <summary>Sends a request to another node as an ordinary client would, so it may be forwarded on.</summary>
    /// <param name="request">The request.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The response, with its body not yet read.</returns>
    public Task<HttpResponseMessage> SendUnmarkedAsync(HttpRequestMessage request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.Authorization is null && NodeAuthorization?.Invoke() is { } credentials)
            request.Headers.TryAddWithoutValidation("Authorization", credentials);
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
    }

    /// <inheritdoc/>
    public async Task<long> GetReadIndexAsync(MemberInfo leader, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(leader);
        using var request = new HttpRequestMessage(HttpMethod.Get, leader.HttpAddress + "/raft/read-index");
        try
        {
            using var response = await SendAsync(request, token);
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync(ApiJsonContext.Api.ReadIndexResponse, token);
                return body?.Index ?? throw new UnavailableException($"The leader '{leader.Id}' sent an empty read index.");
            }

            throw new UnavailableException($"The leader '{leader.Id}' could not confirm the read: {await ReadErrorAsync(response, token)}");
        }
        catch (HttpRequestException e)
        {
            throw new UnavailableException($"The leader '{leader.Id}' at {leader.HttpAddress} is unreachable ({e.Message}). Retry, or read with consistency=stale.", e);
        }
    }

    /// <summary>Reads the message of a contract error body, or describes the status when there is none.</summary>
    /// <param name="response">The response.</param>
    /// <param name="token">Cancels reading.</param>
    /// <returns>The message.</returns>
    public static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            var error = await response.Content.ReadFromJsonAsync(ApiJsonContext.Api.ErrorResponse, token);
            if (error?.Error is { Length: > 0 } message)
                return message;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    /// <summary>Tells whether a failed request certainly never reached the other node.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when no connection was made.</returns>
    public static bool NeverSent(HttpRequestException exception)
        => exception?.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;

    /// <inheritdoc/>
    public void Dispose() => client.Dispose();
}
