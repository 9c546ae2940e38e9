namespace Quorum.Bench;

/// <summary>What the load generator needs from a store: writes, reads, and where the leader is.</summary>
internal interface IStoreDriver : IAsyncDisposable
{
    /// <summary>Connects, and finds the leader that writes will go to.</summary>
    Task PrepareAsync(CancellationToken token);

    /// <summary>Writes a key, as client <paramref name="client"/>.</summary>
    Task PutAsync(int client, string key, ReadOnlyMemory<byte> value, CancellationToken token);

    /// <summary>Reads a key, as client <paramref name="client"/>; <paramref name="linearizable"/> or from the asked node's replica.</summary>
    Task GetAsync(int client, string key, bool linearizable, CancellationToken token);
}
