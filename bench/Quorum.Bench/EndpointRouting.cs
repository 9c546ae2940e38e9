namespace Quorum.Bench;

/// <summary>
/// Which node a request goes to. <c>leader</c>: writes to the leader found through the endpoints,
/// reads from endpoint (client mod n). <c>any</c>: every request, read or write, to the next
/// endpoint in turn, as a plain HTTP client or a load balancer would send them.
/// </summary>
/// <typeparam name="T">What an endpoint is to the driver: a URL, a gRPC client.</typeparam>
internal sealed class EndpointRouting<T>(IReadOnlyList<T> endpoints, bool roundRobin)
{
    private long next = -1;

    /// <summary>Gets a value indicating whether every request goes to the next endpoint in turn, so that no write needs the leader.</summary>
    public bool RoundRobin => roundRobin;

    /// <summary>Gets or sets the leader that writes go to under leader routing.</summary>
    public required T Leader { get; set; }

    /// <summary>Gets the endpoint for a write.</summary>
    public T ForWrite() => roundRobin ? Next() : Leader;

    /// <summary>Gets the endpoint for a read by client <paramref name="client"/>.</summary>
    public T ForRead(int client) => roundRobin ? Next() : endpoints[client % endpoints.Count];

    private T Next() => endpoints[(int)((ulong)Interlocked.Increment(ref next) % (ulong)endpoints.Count)];
}
