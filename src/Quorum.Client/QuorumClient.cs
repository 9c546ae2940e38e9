using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace Quorum.Client;

/// <summary>
/// A typed client for one Quorum node's HTTP API. Any member will do: a follower forwards writes
/// to the leader and answers linearizable reads after checking with it.
/// </summary>
public sealed class QuorumClient : IDisposable
{
    private readonly HttpClient http;
    private readonly bool ownsHttp;

    /// <summary>Initializes a new instance of the <see cref="QuorumClient"/> class for a node's base URL.</summary>
    /// <param name="endpoint">The node's HTTP base URL, such as <c>http://127.0.0.1:8080</c>.</param>
    public QuorumClient(Uri endpoint)
        : this(new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) }, ownsHttp: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="QuorumClient"/> class over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the node.</summary>
    /// <param name="http">The HTTP client.</param>
    public QuorumClient(HttpClient http)
        : this(http, ownsHttp: false)
    {
    }

    private QuorumClient(HttpClient http, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(http.BaseAddress);
        this.http = http;
        this.ownsHttp = ownsHttp;
    }

    /// <summary>Gets the node's base URL.</summary>
    public Uri Endpoint => http.BaseAddress!;

    /// <summary>Builds the path of a key: every byte but unreserved ASCII is percent-encoded, so slashes and dots survive intact.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The relative path, such as <c>key/a%2Fb</c>.</returns>
    public static string KeyPath(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var encoded = new StringBuilder("key/", key.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'~')
                encoded.Append((char)b);
            else
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return encoded.ToString();
    }

    /// <summary>Sets a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The write's revision.</returns>
    /// <exception cref="QuorumClientException">The server refused the write, or its outcome is unknown.</exception>
    public async Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken token = default)
    {
        using var content = new ReadOnlyMemoryContent(value);
        using var response = await http.PutAsync(KeyPath(key), content, token);
        return (await ReadAsync(response, ClientJsonContext.Default.WriteAnswer, token)).Revision;
    }

    /// <summary>Sets a key to a UTF-8 string.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The write's revision.</returns>
    public Task<long> PutAsync(string key, string value, CancellationToken token = default)
        => PutAsync(key, Encoding.UTF8.GetBytes(value), token);

    /// <summary>Reads a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="consistency">How up to date the answer must be.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The value and its revision, or <see langword="null"/> when the key is absent.</returns>
    public async Task<VersionedValue?> GetAsync(string key, Consistency consistency = Consistency.Linearizable, CancellationToken token = default)
    {
        var path = consistency == Consistency.Stale ? KeyPath(key) + "?consistency=stale" : KeyPath(key);
        using var response = await http.GetAsync(path, token);
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
    public async Task<long> DeleteAsync(string key, CancellationToken token = default)
    {
        using var response = await http.DeleteAsync(KeyPath(key), token);
        return (await ReadAsync(response, ClientJsonContext.Default.WriteAnswer, token)).Revision;
    }

    /// <summary>Lists the voting members.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The members.</returns>
    public async Task<IReadOnlyList<Member>> GetMembersAsync(CancellationToken token = default)
    {
        using var response = await http.GetAsync("raft/members", token);
        return await ReadAsync(response, ClientJsonContext.Default.MemberArray, token);
    }

    /// <summary>Gets the node's status.</summary>
    /// <param name="token">Cancels the request.</param>
    /// <returns>The status.</returns>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken token = default)
    {
        using var response = await http.GetAsync("status", token);
        return await ReadAsync(response, ClientJsonContext.Default.NodeStatus, token);
    }

    /// <summary>Adds a voting member (or updates its addresses).</summary>
    /// <param name="id">Its ID.</param>
    /// <param name="raftAddress">Its Raft address, <c>host:port</c>.</param>
    /// <param name="httpAddress">Its HTTP base URL, if known.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the member is part of the committed configuration.</returns>
    public async Task AddMemberAsync(string id, string raftAddress, string? httpAddress = null, CancellationToken token = default)
    {
        using var response = await http.PostAsJsonAsync("raft/add", new AddMemberRequest(id, raftAddress, httpAddress), ClientJsonContext.Default.AddMemberRequest, token);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);
    }

    /// <summary>Removes a voting member.</summary>
    /// <param name="id">Its ID.</param>
    /// <param name="token">Cancels the request.</param>
    /// <returns>A task that completes when the new configuration is committed.</returns>
    public async Task RemoveMemberAsync(string id, CancellationToken token = default)
    {
        using var response = await http.PostAsJsonAsync("raft/remove", new RemoveMemberRequest(id), ClientJsonContext.Default.RemoveMemberRequest, token);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (ownsHttp)
            http.Dispose();
    }

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
        try
        {
            message = (await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.ErrorAnswer, token))?.Error
                ?? $"HTTP {(int)response.StatusCode}";
        }
        catch (System.Text.Json.JsonException)
        {
            message = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }

        return new QuorumClientException(response.StatusCode, message);
    }
}
