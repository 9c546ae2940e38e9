using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Quorum.Bench;

/// <summary>Drives etcd through its native gRPC API (dotnet-etcd), one channel per endpoint.</summary>
internal sealed class EtcdDriver(IReadOnlyList<string> endpoints) : IStoreDriver
{
    private readonly EtcdClient[] clients = [.. endpoints.Select(static e => new EtcdClient(e))];
    private EtcdClient leader = null!;

    public async Task PrepareAsync(CancellationToken token)
    {
        foreach (var client in clients)
        {
            var status = await client.StatusAsync(new StatusRequest(), cancellationToken: token);
            if (status.Header.MemberId == status.Leader)
            {
                leader = client;
                return;
            }
        }

        throw new InvalidOperationException("No etcd endpoint reports itself as the leader.");
    }

    public Task PutAsync(int client, string key, ReadOnlyMemory<byte> value, CancellationToken token)
        => leader.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value.Span) }, cancellationToken: token);

    public Task GetAsync(int client, string key, bool linearizable, CancellationToken token)
        => clients[client % clients.Length].GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key), Serializable = !linearizable }, cancellationToken: token);

    public ValueTask DisposeAsync()
    {
        foreach (var client in clients)
            client.Dispose();
        return ValueTask.CompletedTask;
    }
}
