using System.Text.Json;
using System.Text.Json.Serialization;
using Quorum.Store.Native;

namespace Quorum.Store.Storage;

/// <summary>
/// Who this node is, kept in the data directory from its first start: its ID and the Raft address
/// the cluster knows it by. Neither may change while the data directory lives, because Raft
/// identifies a member by its exact address.
/// </summary>
/// <param name="Id">The node's ID.</param>
/// <param name="RaftAddress">The Raft address other members dial, as <c>host:port</c>.</param>
internal sealed record NodeIdentity(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("raftAddress")] string RaftAddress)
{
    /// <summary>Creates a fresh, random node ID.</summary>
    /// <returns>An ID such as <c>q7f3a91c2</c>.</returns>
    public static string NewId() => "q" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));

    /// <summary>Reads an identity file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The identity, or <see langword="null"/> when the file does not exist.</returns>
    /// <exception cref="DataDirectoryException">The file is damaged.</exception>
    public static NodeIdentity? Read(string path)
    {
        if (!File.Exists(path))
            return null;

        try
        {
            var identity = JsonSerializer.Deserialize(File.ReadAllBytes(path), IdentityJsonContext.Default.NodeIdentity);
            return identity is { Id.Length: > 0, RaftAddress.Length: > 0 }
                ? identity
                : throw new JsonException("id or raftAddress is missing");
        }
        catch (JsonException e)
        {
            throw new DataDirectoryException($"The node identity file {path} is damaged ({e.Message}). Restore it, or start with a new data directory.", e);
        }
    }

    /// <summary>Writes this identity to a file, atomically and durably.</summary>
    /// <param name="path">The file.</param>
    public void Write(string path)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, this, IdentityJsonContext.Default.NodeIdentity);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        NativeFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}

/// <summary>Source-generated JSON metadata for <see cref="NodeIdentity"/>.</summary>
[JsonSerializable(typeof(NodeIdentity))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class IdentityJsonContext : JsonSerializerContext;
