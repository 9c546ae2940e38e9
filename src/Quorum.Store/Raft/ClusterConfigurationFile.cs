using System.Net;
using DotNext.Buffers;
using DotNext.Net;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace Quorum.Store.Raft;

/// <summary>
/// The Raft cluster configuration (the set of voting members, by Raft address) kept in a file in the
/// data directory, so a restarted node knows its cluster and never bootstraps a new one by mistake.
/// </summary>
/// <param name="path">The configuration file.</param>
internal sealed class ClusterConfigurationFile(string path) : PersistentClusterConfigurationStorage<EndPoint>(path)
{
    /// <inheritdoc/>
    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> writer) => writer.WriteEndPoint(address);

    /// <inheritdoc/>
    protected override EndPoint Decode(ref SequenceReader reader) => reader.ReadEndPoint();
}
