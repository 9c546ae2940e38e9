using System.Net;
using System.Text;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.IntegrationTests.Infrastructure;
using Quorum.Store.Commands;
using Quorum.Store.Raft;
using Quorum.Store.StateMachine;
using Quorum.Store.Storage;

namespace Quorum.Store.Tests;

/// <summary>
/// <see cref="SingleNodeRecovery"/> on what only a store-level test can set up: a survivor whose log
/// ends with entries it never learned were committed, a member record and a configuration that adds
/// two voters (its leader was adding members when the majority was lost).
/// </summary>
public sealed class SingleNodeRecoveryTests
{
    [Fact]
    public async Task A_configuration_and_a_member_record_in_the_uncommitted_tail_do_not_come_back_after_recovery()
    {
        using var temp = new TempDirectory();
        var options = new StoreOptions { DataDirectory = Path.Combine(temp.Path, "n1"), NodeId = "n1", RaftEndPoint = new IPEndPoint(IPAddress.Loopback, Ports.Next()) };
        long written;
        await using (var store = await QuorumStore.OpenAsync(options))
        {
            await WaitUntilAsync(() => store.IsLeader, "the node to lead");
            written = (await store.SetAsync("a"u8.ToArray(), "1"u8.ToArray(), Precondition.None)).Revision;
        }

        await AppendUncommittedTailAsync(options.DataDirectory);

        var report = await SingleNodeRecovery.RecoverAsync(options.DataDirectory);
        Assert.Equal(["ghost"], report.DroppedMembers);
        Assert.True(report.LastIndexKept == report.CommitIndex + 2, $"the tail should be kept: commit {report.CommitIndex}, last {report.LastIndexKept}");
        Assert.True(report.ConfigurationIndex > report.LastIndexKept);

        // Leading alone, the node commits its whole log, the tail's configuration included: a
        // second write would then need one of the two unreachable voters, and never commit.
        await using var recovered = await QuorumStore.OpenAsync(options);
        await WaitUntilAsync(() => recovered.IsLeader, "the recovered node to lead");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var first = await recovered.SetAsync("b"u8.ToArray(), "2"u8.ToArray(), Precondition.None, token: timeout.Token);
        var second = await recovered.SetAsync("c"u8.ToArray(), "3"u8.ToArray(), Precondition.None, token: timeout.Token);
        Assert.True(first.Revision > report.ConfigurationIndex && second.Revision > first.Revision);
        Assert.Equal(["n1"], recovered.GetMembers().Select(static m => m.Id));
        Assert.Null(recovered.FindMember("ghost"));
        var a = await recovered.GetAsync("a"u8.ToArray());
        Assert.Equal(("1", written), (Encoding.UTF8.GetString(a!.Value.Span), a.Revision));
    }

    // Appends, without committing, a member record for "ghost" and a configuration naming this node and two more.
    private static async Task AppendUncommittedTailAsync(string dataDirectory)
    {
        using var directory = DataDirectory.Open(dataDirectory);
        var stateMachine = new KeyValueStateMachine(directory.SnapshotPath, long.MaxValue, NullLogger.Instance);
        await using (stateMachine)
        {
            await stateMachine.RestoreAsync(CancellationToken.None);
            var log = new WriteAheadLog(RaftNode.CreateLogOptions(directory), stateMachine);
            await using (log)
            {
                await log.InitializeAsync();
                var term = ((IPersistentState)log).Term;
                var record = CommandCodec.Encode([new SetMemberCommand(new MemberInfo("ghost", "127.0.0.1:1", string.Empty))]);
                await log.AppendAsync(new BinaryLogEntry { Content = record, Term = term });
                using var configuration = new ClusterConfigurationFile(directory.ClusterConfigurationFile);
                var current = await ((IClusterConfigurationStorage<EndPoint>)configuration).LoadConfigurationAsync();
                var larger = current.Add(new IPEndPoint(IPAddress.Loopback, 1)).Add(new IPEndPoint(IPAddress.Loopback, 2));
                await ClusterConfigurationExtensions.AppendAsync(log, larger);
                await log.FlushAsync();
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
