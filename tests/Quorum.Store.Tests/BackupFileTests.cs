using System.Net;
using System.Text;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.Store.Tests;

/// <summary>A copy of a store, saved as a backup file and restored as the first node of a new cluster, in this process.</summary>
public sealed class BackupFileTests
{
    [Fact]
    public async Task A_restored_store_holds_the_copy_with_its_revisions_and_users_and_goes_on_above_the_bump()
    {
        using var temp = new TempDirectory();
        var backup = Path.Combine(temp.Path, "copy.snapshot");
        long copied;
        long later;
        await using (var store = await QuorumStore.OpenAsync(Options(Path.Combine(temp.Path, "old"), "old")))
        {
            await WaitUntilAsync(() => store.IsLeader, "the node to lead");
            await store.PutUserAsync("alice", "alice-pw", []);
            await store.SetAsync("a"u8.ToArray(), "1"u8.ToArray());
            await store.SetAsync("leased"u8.ToArray(), "2"u8.ToArray(), Precondition.None, TimeSpan.FromHours(1));

            using (var copy = await store.CopyAsync())
            {
                copied = copy.Revision;
                later = (await store.SetAsync("after"u8.ToArray(), "3"u8.ToArray())).Revision;
                var info = await BackupFile.SaveAsync(backup, copy.WriteOnOwnThreadAsync);
                Assert.Equal((copied, 2L), (info.Revision, info.Keys));
            }

            Assert.True(later > copied);
        }

        var fresh = Options(Path.Combine(temp.Path, "new"), "fresh");
        var (restoredFrom, revision) = BackupFile.Restore(backup, fresh, revisionBump: 1000);
        Assert.Equal(copied, restoredFrom.Revision);
        Assert.Equal(copied + 1000, revision);

        await using var restored = await QuorumStore.OpenAsync(fresh);
        await WaitUntilAsync(() => restored.IsLeader, "the restored node to lead");
        var keys = await restored.ListAsync(ReadOnlyMemory<byte>.Empty, null, 100);
        Assert.Equal(["a", "leased"], keys.Items.Select(static k => Encoding.UTF8.GetString(k.Key.Span)));
        Assert.All(keys.Items, k => Assert.True(k.Revision <= copied));
        Assert.NotNull(restored.Auth.FindUser("alice"));
        Assert.Equal(["fresh"], restored.GetMembers().Select(static m => m.Id));

        var next = await restored.SetAsync("b"u8.ToArray(), "4"u8.ToArray());
        Assert.True(next.Revision > revision, $"the first write got {next.Revision}, not above {revision}");
        Assert.Throws<HistoryCompactedException>(() => restored.Watch(ReadOnlyMemory<byte>.Empty, copied));
    }

    private static StoreOptions Options(string directory, string id)
    {
        var raft = new IPEndPoint(IPAddress.Loopback, Ports.Next());
        return new StoreOptions { DataDirectory = directory, NodeId = id, RaftEndPoint = raft };
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
