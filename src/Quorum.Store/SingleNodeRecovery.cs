using System.Net;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.Store.Commands;
using Quorum.Store.Native;
using Quorum.Store.Raft;
using Quorum.Store.StateMachine;
using Quorum.Store.Storage;

namespace Quorum.Store;

/// <summary>
/// Disaster recovery when a majority of the cluster is lost for good: turns the data directory of
/// ONE stopped survivor into that of a one-node cluster whose only voter is the survivor, keeping
/// every entry its log holds. Started with <c>quorum serve</c> afterwards, it elects itself, serves
/// its data, and new nodes join it as usual.
/// </summary>
/// <remarks>
/// <para>
/// DotNext keeps one versioned configuration (<c>cluster.config</c>): the version is the index of the
/// configuration log entry it came from, and a configuration whose version is not above the stored
/// one is ignored. Rewriting the file alone would therefore be undone by nothing already in the log,
/// but a new member added before the log's end could be; and a log replayed elsewhere (a node that
/// joins and copies the log from its start) would end with the old members. So the recovery is
/// recorded in the log itself, as etcd's <c>--force-new-cluster</c> does: after the last entry the
/// survivor holds, it appends (uncommitted, in a new term one above the survivor's) an entry removing the other
/// members' records from the member table and a configuration entry naming only this node, and it
/// writes <c>cluster.config</c> with that configuration at that entry's index. Every configuration
/// entry already in the log, committed or not, has a lower index, so replaying or committing it
/// changes nothing; every later change (a join) has a higher one and is installed as usual.
/// </para>
/// <para>
/// On its first election the node commits its whole log, so entries the old cluster never committed
/// (but the survivor held) become committed too. Writes that a majority acknowledged without the
/// survivor are on the lost nodes only, and are lost.
/// </para>
/// </remarks>
public static class SingleNodeRecovery
{
    /// <summary>Recovers a stopped survivor's data directory as a one-node cluster (see the type's remarks).</summary>
    /// <param name="dataDirectory">The survivor's data directory.</param>
    /// <param name="token">Cancels the recovery before it writes anything.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="DataDirectoryException">The directory is in use (its node still runs), holds no node's data, or is damaged; nothing was changed.</exception>
    public static async Task<RecoveryReport> RecoverAsync(string dataDirectory, CancellationToken token = default)
    {
        var full = Path.GetFullPath(dataDirectory);

        // Checked before the lock is taken, because taking it creates the directory and its LOCK
        // file, and a refused directory must be left as it was.
        if (!File.Exists(Path.Combine(full, DataDirectory.IdentityFileName)))
            throw new DataDirectoryException($"{full} holds no node's data (no {DataDirectory.IdentityFileName}); there is nothing to recover. Give the --data-dir of the surviving node.");

        using var directory = DataDirectory.Open(full);
        var identity = NodeIdentity.Read(directory.IdentityFile)!;
        if (!NetworkAddress.TryParse(identity.RaftAddress, out var self))
            throw new DataDirectoryException($"The node identity file {directory.IdentityFile} is damaged (Raft address '{identity.RaftAddress}' is not host:port).");
        directory.VerifyLogFiles();
        if (!directory.HasClusterState && !directory.HasLogEntries)
            throw new DataDirectoryException($"{full} belongs to node '{identity.Id}' but holds no cluster state (no {Path.GetFileName(directory.ClusterConfigurationFile)}, no log entries); there is nothing to recover.");

        // The state machine is only needed to learn the member table: no configuration storage (the
        // log's configuration entries are not installed) and no snapshots (nothing on disk changes).
        var stateMachine = new KeyValueStateMachine(directory.SnapshotPath, long.MaxValue, NullLogger.Instance);
        await using (stateMachine)
        {
            await stateMachine.RestoreAsync(token);
            var log = new WriteAheadLog(RaftNode.CreateLogOptions(directory), stateMachine);
            long commitIndex, lastIndex, term, configurationIndex;
            List<string> dropped;
            await using (log)
            {
                try
                {
                    await log.InitializeAsync(token); // checks every entry's checksum, and applies the committed ones
                    commitIndex = log.LastCommittedEntryIndex;
                    lastIndex = log.LastEntryIndex;
                    term = ((IPersistentState)log).Term;
                    dropped = await FindOtherMembersAsync(log, stateMachine, identity.Id, token);
                }
                catch (Exception e) when (e is IntegrityException or InvalidDataException)
                {
                    throw new DataDirectoryException($"The write-ahead log in {directory.LogPath} is damaged ({e.Message}); it cannot be recovered. Recover another survivor, or restore a backup ('quorum snapshot restore').", e);
                }

                token.ThrowIfCancellationRequested();

                // The recovery's entries get a term of their own, above the survivor's: a lost leader
                // may have written other entries at the same indices in the survivor's term. DotNext
                // makes the only voter leader in the term it finds (measured: a survivor at term 0
                // led in term 0, the dead leader's), so this is also the recovered leader's term.
                term++;
                await ((IPersistentState)log).UpdateTermAsync(term, resetLastVote: true, CancellationToken.None);

                // The member table is changed by a log command rather than by rewriting the
                // snapshot: a rewritten snapshot would disagree with the log a joiner may copy.
                if (dropped.Count > 0)
                {
                    var removals = CommandCodec.Encode([.. dropped.Select(static id => new RemoveMemberCommand(id))]);
                    await log.AppendAsync(new BinaryLogEntry { Content = removals, Term = term }, CancellationToken.None);
                }

                using var current = new ClusterConfigurationFile(directory.ClusterConfigurationFile);
                var members = await ((IClusterConfigurationStorage<EndPoint>)current).LoadConfigurationAsync(CancellationToken.None);
                var previous = members.Members.Select(NetworkAddress.Format).Order(StringComparer.Ordinal).ToArray();
                var alone = members.Members.Aggregate(members, static (config, member) => config.Remove(member)).Add(self);
                configurationIndex = await ClusterConfigurationExtensions.AppendAsync(log, alone, CancellationToken.None); // in the log's term
                await log.FlushAsync(CancellationToken.None);

                await ReplaceConfigurationAsync(directory, alone, configurationIndex);

                // A survivor that had not yet confirmed its own join must not go on asking to join a
                // cluster that is gone: from now on it is the cluster.
                directory.JoinPending = false;
                return new RecoveryReport(identity.Id, identity.RaftAddress, term, commitIndex, lastIndex, configurationIndex, previous, dropped);
            }
        }
    }

    // The other members in the member table: those the committed state has, and those that entries
    // above the commit index (which the recovered node will commit) would add.
    private static async Task<List<string>> FindOtherMembersAsync(WriteAheadLog log, KeyValueStateMachine stateMachine, string self, CancellationToken token)
    {
        var ids = stateMachine.State.Members.Keys.ToHashSet(StringComparer.Ordinal);
        if (log.LastEntryIndex > log.LastCommittedEntryIndex)
        {
            using var tail = await log.ReadAsync(log.LastCommittedEntryIndex + 1, log.LastEntryIndex, token);
            foreach (var entry in tail)
            {
                if (entry.IsConfiguration || !entry.TryGetPayload(out var payload) || payload.IsEmpty)
                    continue;
                foreach (var command in CommandCodec.Decode(payload))
                {
                    if (command is SetMemberCommand set)
                        ids.Add(set.Member.Id);
                }
            }
        }

        ids.Remove(self);
        return [.. ids.Order(StringComparer.Ordinal)];
    }

    // Written whole to a new file, then renamed over the old one: DotNext's own rewrite refuses a
    // version that is not above the stored one, and a follower that installed a snapshot may store a
    // version above its own log's end (the leader's), which would make later joins be ignored.
    private static async Task ReplaceConfigurationAsync(DataDirectory directory, IClusterConfiguration<EndPoint> configuration, long version)
    {
        var temporary = directory.ClusterConfigurationFile + ".recover";
        File.Delete(temporary);
        using (var fresh = new ClusterConfigurationFile(temporary))
        {
            if (!await ((IClusterConfigurationStorage)fresh).SaveConfigurationAsync(configuration, version, CancellationToken.None))
                throw new InvalidOperationException("A fresh configuration file refused its first configuration.");
        }

        File.Move(temporary, directory.ClusterConfigurationFile, overwrite: true);
        NativeFile.SyncDirectory(directory.Path);
    }
}
