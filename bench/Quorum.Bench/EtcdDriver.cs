using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Quorum.Bench;

/// <summary>Drives etcd through its native gRPC API (dotnet-etcd), one channel per endpoint; with a user, every call carries the token etcd gave it.</summary>
internal sealed class EtcdDriver(IReadOnlyList<string> endpoints, BenchSecurity security, bool roundRobin) : IStoreDriver
{
    // Plain endpoints keep dotnet-etcd's own channel, as every earlier side-by-side run had it.
    private readonly EtcdClient[] clients = [.. endpoints.Select(e => e.StartsWith("https://", StringComparison.Ordinal)
        ? new EtcdClient(e, configureChannelOptions: options =>
        {
            options.HttpHandler = security.Configure(new SocketsHttpHandler { EnableMultipleHttp2Connections = true });
            options.Credentials = ChannelCredentials.SecureSsl;
        })
        : new EtcdClient(e))];

    private EndpointRouting<EtcdClient>? routing;
    private Metadata? headers;

    public async Task PrepareAsync(CancellationToken token)
    {
        if (security.User is { } user)
        {
            var answer = await clients[0].AuthenticateAsync(new AuthenticateRequest { Name = user, Password = security.Password ?? string.Empty }, cancellationToken: token);
            headers = new Metadata { { "token", answer.Token } };
        }

        foreach (var client in clients)
        {
            var status = await client.StatusAsync(new StatusRequest(), headers, cancellationToken: token);
            if (status.Header.MemberId == status.Leader)
            {
                routing = new(clients, roundRobin) { Leader = client };
                return;
            }
        }

        throw new InvalidOperationException("No etcd endpoint reports itself as the leader.");
    }

    public Task PutAsync(int client, string key, ReadOnlyMemory<byte> value, CancellationToken token)
        => routing!.ForWrite().PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value.Span) }, headers, cancellationToken: token);

    public Task GetAsync(int client, string key, bool linearizable, CancellationToken token)
        => routing!.ForRead(client).GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key), Serializable = !linearizable }, headers, cancellationToken: token);

    public ValueTask DisposeAsync()
    {
        foreach (var client in clients)
            client.Dispose();
        return ValueTask.CompletedTask;
    }
}
