using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Quorum.Bench;

/// <summary>Drives Quorum over its HTTP API with keep-alive connections; a write sent to a follower is forwarded by it to the leader.</summary>
internal sealed class QuorumDriver : IStoreDriver
{
    private readonly IReadOnlyList<string> endpoints;
    private readonly HttpClient http;
    private readonly EndpointRouting<string> routing;

    public QuorumDriver(IReadOnlyList<string> endpoints, int clients, BenchSecurity security, bool roundRobin)
    {
        this.endpoints = endpoints;
        routing = new(endpoints, roundRobin) { Leader = endpoints[0] };
        http = new(security.Configure(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = clients + 8,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        }))
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (security.User is { } user)
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{security.Password}")));
    }

    public async Task PrepareAsync(CancellationToken token)
    {
        foreach (var endpoint in endpoints)
        {
            var status = await http.GetFromJsonAsync($"{endpoint}/status", StatusJson.Default.Status, token);
            if (status?.State == "leader")
            {
                routing.Leader = endpoint;
                return;
            }
        }

        // Round-robin sends writes to every endpoint alike, so the leader need not be among them
        // (a single follower's endpoint measures the forwarding hop alone).
        if (!routing.RoundRobin)
            throw new InvalidOperationException("No Quorum endpoint reports itself as the leader.");
    }

    public async Task PutAsync(int client, string key, ReadOnlyMemory<byte> value, CancellationToken token)
    {
        using var content = new ReadOnlyMemoryContent(value);
        using var response = await http.PutAsync($"{routing.ForWrite()}/key/{key}", content, token);
        response.EnsureSuccessStatusCode();
    }

    public async Task GetAsync(int client, string key, bool linearizable, CancellationToken token)
    {
        var endpoint = routing.ForRead(client);
        using var response = await http.GetAsync(linearizable ? $"{endpoint}/key/{key}" : $"{endpoint}/key/{key}?consistency=stale", HttpCompletionOption.ResponseContentRead, token);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The part of Quorum's <c>GET /status</c> the driver reads.</summary>
/// <param name="State">leader, follower or candidate.</param>
internal sealed record Status([property: JsonPropertyName("state")] string State);

/// <summary>Source-generated JSON metadata for <see cref="Status"/>.</summary>
[JsonSerializable(typeof(Status))]
internal sealed partial class StatusJson : JsonSerializerContext;
