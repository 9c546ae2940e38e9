using System.Collections.Concurrent;
using System.IO.MemoryMappedFiles;
using System.Text;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// Crashes that lose what was not synced. <c>kill -9</c> leaves the kernel's page cache, so it cannot
/// show a missing fsync; here every node's data directory is a quorum-faultfs mount (tests/faultfs),
/// and a crash drops everything the node had not fsync'd or msync'd, as a power cut would.
/// </summary>
public sealed class LoseUnsyncedTests(ITestOutputHelper output)
{
    private const int Page = 4096;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_file_system_keeps_through_a_crash_exactly_what_was_synced()
    {
        using var root = new TemporaryDirectory("quorum-faultfs");
        await using var disk = await FaultFsMount.MountAsync(Path.Combine(root.Path, "mount"), Path.Combine(root.Path, "backing"));
        string In(string name) => Path.Combine(disk.MountPoint, name);

        using (var synced = new FileStream(In("synced"), FileMode.Create))
        {
            synced.Write("synced"u8);
            synced.Flush(flushToDisk: true);
            synced.Write(" then more"u8);
        }

        await File.WriteAllTextAsync(In("never-synced"), "never synced");

        // DotNext's write-ahead log writes through shared memory maps and syncs them with msync.
        Directory.CreateDirectory(In("maps"));
        using (var file = new FileStream(In("maps/mapped"), FileMode.Create))
        {
            file.SetLength(2 * Page);
            file.Flush(flushToDisk: true);
        }

        using (var map = MemoryMappedFile.CreateFromFile(In("maps/mapped"), FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite))
        {
            using (var first = map.CreateViewAccessor(0, Page))
            {
                Write(first, "msync'd");
                first.Flush();
            }

            var second = map.CreateViewAccessor(Page, Page);
            Write(second, "only mapped");

            // Unmapped without msync, as when the process is killed: the accessor's Dispose would msync.
            second.SafeMemoryMappedViewHandle.Dispose();
            second.Dispose();
            Assert.Equal("only mapped", Read(In("maps/mapped"), Page, 11));
        }

        // Name changes become durable with the next fsync of anything (as in ext4's journal); none follows these.
        File.Move(In("synced"), In("renamed"));
        await File.WriteAllTextAsync(In("created-last"), "created after the last sync");
        Assert.Equal("synced then more", await File.ReadAllTextAsync(In("renamed")));

        await disk.CrashAsync();

        Assert.Equal("synced", await File.ReadAllTextAsync(In("synced")));
        Assert.False(File.Exists(In("renamed")), "a rename no fsync followed survived");
        Assert.False(File.Exists(In("created-last")), "a file created after the last fsync survived");
        Assert.Equal(string.Empty, await File.ReadAllTextAsync(In("never-synced")));
        Assert.Equal(2 * Page, new FileInfo(In("maps/mapped")).Length);
        Assert.Equal("msync'd", Read(In("maps/mapped"), 0, 7));
        Assert.Equal(new string('\0', 11), Read(In("maps/mapped"), Page, 11));
    }

    /// <summary>
    /// Three nodes under load; each round kills the leader and a follower (every second round, all three)
    /// at once, drops all they had not synced, and restarts them, the old leader last, once the others
    /// have taken new writes without it: only what the others made durable can then carry the
    /// acknowledged writes. Every acknowledged write must be there, with its revision.
    /// </summary>
    [Fact]
    public async Task Every_acknowledged_write_survives_a_majority_crashing_at_once_and_losing_all_it_had_not_synced()
    {
        const int Rounds = 6;
        using var backing = new TemporaryDirectory("quorum-faultfs");
        var disks = new ConcurrentDictionary<string, FaultFsMount>();
        try
        {
            await using var cluster = await TestCluster.StartPreparingEachAsync(
                3,
                output,
                async node => disks[node.Id] = await FaultFsMount.MountAsync(node.DataDirectory, Path.Combine(backing.Path, node.Id)),
                "--snapshot-interval",
                "300");
            try
            {
                await CrashRoundsAsync(cluster, disks, Rounds);
            }
            finally
            {
                foreach (var node in cluster.Nodes)
                    node.Kill();
                foreach (var disk in disks.Values)
                    await disk.DisposeAsync();
            }
        }
        finally
        {
            foreach (var (id, disk) in disks)
            {
                output.WriteLine($"----- quorum-faultfs of {id} -----\n{disk.Log}");
                await disk.DisposeAsync();
            }
        }
    }

    private static void Write(MemoryMappedViewAccessor view, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        view.WriteArray(0, bytes, 0, bytes.Length);
    }

    private static string Read(string path, long offset, int length)
    {
        using var file = File.OpenHandle(path);
        var buffer = new byte[length];
        RandomAccess.Read(file, buffer, offset);
        return Encoding.ASCII.GetString(buffer);
    }

    private async Task CrashRoundsAsync(TestCluster cluster, ConcurrentDictionary<string, FaultFsMount> disks, int rounds)
    {
        var load = WriteLoad.Start(cluster, "lose");
        var acknowledged = load.Acknowledged;
        long dropped = 0;
        try
        {
            var pick = new Random(21);
            for (var round = 0; round < rounds; round++)
            {
                await load.WaitForMoreAsync(150, Timeout, $"writes before crash {round}");

                var leader = await cluster.WaitForLeaderAsync(Timeout);
                var followers = cluster.Nodes.Where(n => n != leader).ToArray();
                QuorumNode[] others = round % 2 == 1 ? followers : [followers[pick.Next(followers.Length)]];

                // At once: all are stopped (SIGSTOP, microseconds apart) before any is killed, the followers
                // first, so the leader may still commit and acknowledge what they took last.
                foreach (var node in others.Append(leader))
                    node.Pause();
                foreach (var node in others.Append(leader))
                    node.Kill();
                foreach (var node in others.Prepend(leader))
                {
                    // What the crash is about to drop: files with unsynced data, unsynced name changes.
                    var counters = disks[node.Id].Counters();
                    dropped += counters["unsynced-files"] + counters["unsynced-name-changes"];
                    await disks[node.Id].CrashAsync();
                }

                foreach (var node in others)
                    node.Start();
                foreach (var node in others)
                    await node.WaitUntilServingAsync(Timeout);
                await cluster.WaitForLeaderAsync(Timeout);
                await load.WaitForMoreAsync(50, Timeout, $"writes without the old leader {leader.Id} after crash {round}");

                leader.Start();
                await leader.WaitUntilServingAsync(Timeout);
                output.WriteLine($"round {round}: crashed {leader.Id} (leader) and {string.Join(", ", others.Select(n => n.Id))}; {acknowledged.Count} writes acknowledged so far");
            }
        }
        finally
        {
            await load.StopAsync();
        }

        load.Failures.AssertNoneUnexpected();
        var lost = await FindLostAsync(cluster, acknowledged);
        var lostWrites = lost.Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)]).Distinct().Count();
        output.WriteLine($"{rounds} rounds: {acknowledged.Count} writes acknowledged, {lostWrites} lost or changed on some node; the crashes dropped {dropped} unsynced files and name changes; {load.Failures}");
        Assert.True(lost.Count == 0, $"{lostWrites} of {acknowledged.Count} acknowledged writes lost or changed:\n{string.Join('\n', lost.Take(20))}");

        // A writer's next write starts after the last was acknowledged, so it lands in a later log entry.
        // (Writes of one group commit share a revision, so revisions of different writers may repeat.)
        foreach (var writer in acknowledged.GroupBy(pair => pair.Key.Split('/')[1]))
        {
            var revisions = writer.OrderBy(pair => int.Parse(pair.Key.Split('/')[2])).Select(pair => pair.Value.Revision).ToArray();
            Assert.True(revisions.Zip(revisions.Skip(1)).All(p => p.First < p.Second), $"writer {writer.Key}'s revisions do not grow: {string.Join(", ", revisions)}");
        }
    }

    /// <summary>Reads every acknowledged write back, linearizably through the leader and then from every node's own copy.</summary>
    private static async Task<List<string>> FindLostAsync(TestCluster cluster, ConcurrentDictionary<string, (string Value, long Revision)> acknowledged)
    {
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var commit = (await leader.Client.GetStatusAsync()).CommitIndex;
        foreach (var node in cluster.Nodes)
            await Eventually.UntilAsync(async () => (await node.Client.GetStatusAsync()).AppliedIndex >= commit, Timeout, $"{node.Id} to catch up");

        var lost = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, token) =>
        {
            var read = await leader.Client.GetAsync(pair.Key, Consistency.Linearizable, token);
            var found = read is null ? "nothing" : $"'{Encoding.UTF8.GetString(read.Value)}' at revision {read.Revision}";
            if (read is null || Encoding.UTF8.GetString(read.Value) != pair.Value.Value || read.Revision != pair.Value.Revision)
            {
                lost.Add($"{pair.Key}: acknowledged '{pair.Value.Value}' at revision {pair.Value.Revision}, read {found}");
                return;
            }

            foreach (var node in cluster.Nodes)
            {
                var copy = await node.Client.GetAsync(pair.Key, Consistency.Stale, token);
                if (copy?.Revision != pair.Value.Revision)
                    lost.Add($"{pair.Key}: {node.Id} has revision {copy?.Revision} instead of {pair.Value.Revision}");
            }
        });
        return [.. lost.Order(StringComparer.Ordinal)];
    }
}
