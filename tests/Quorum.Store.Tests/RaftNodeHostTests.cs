using System.Net;
using System.Text;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.Store.Tests;

public sealed class RaftNodeHostTests
{
    [Fact]
    public async Task A_node_whose_raft_log_fails_restarts_raft_from_disk_and_keeps_its_data()
    {
        using var temp = new TempDirectory();
        var options = new StoreOptions { DataDirectory = temp.Path, NodeId = "solo", RaftEndPoint = new IPEndPoint(IPAddress.Loopback, Ports.Next()) };
        await using var store = await QuorumStore.OpenAsync(options);
        await WaitUntilAsync(() => store.IsLeader, "the node to lead");
        var before = await store.SetAsync("k"u8.ToArray(), "v"u8.ToArray());

        // Break the log under the running cluster exactly as DotNext's flusher race leaves it: a
        // failed background task, after which the log refuses every call.
        var broken = store.Raft.Current;
        typeof(DotNext.Net.Cluster.Consensus.Raft.StateMachine.WriteAheadLog)
            .GetField("backgroundTaskFailure", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .SetValue(broken.Log, new InvalidOperationException("simulated background failure"));
        Assert.IsType<InvalidOperationException>(broken.Failure?.InnerException);

        await WaitUntilAsync(() => store.Raft.Restarts == 1 && store.Raft.Current != broken && store.IsLeader, "Raft to restart and lead again");
        var stored = await store.GetAsync("k"u8.ToArray());
        Assert.NotNull(stored);
        Assert.Equal("v", Encoding.UTF8.GetString(stored.Value.Span));
        Assert.Equal(before.Revision, stored.Revision);
        Assert.True((await store.SetAsync("after"u8.ToArray(), "ok"u8.ToArray())).Revision > before.Revision);
        Assert.False(store.Failed.IsCompleted);
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
