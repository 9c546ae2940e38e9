using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// Backup and restore on real clusters: <c>quorum snapshot save</c> while writers write, a restore
/// as a new three-node cluster, damaged files, users and roles, and the leader's scheduled backups.
/// </summary>
public sealed partial class BackupTests(ITestOutputHelper output) : IDisposable
{
    private const long DefaultBump = 1_000_000_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TemporaryDirectory files = new("quorum-backup");

    [Fact]
    public async Task A_backup_taken_under_load_restores_as_a_new_cluster_holding_exactly_the_writes_up_to_its_revision()
    {
        var backup = Path.Combine(files.Path, "cluster.snapshot");
        var acks = new ConcurrentBag<Ack>();
        var unknown = new ConcurrentBag<string>();
        long saveStarted;
        long sharedBefore;
        long sharedAfter;
        CliResult save;
        await using (var old = await TestCluster.StartAsync(3, output))
        {
            var leader = await old.WaitForLeaderAsync(Timeout);
            var follower = old.Nodes.First(n => n != leader);
            sharedBefore = await leader.Client.PutWithRetryAsync("shared", "before", Timeout);

            var urls = old.Nodes.Select(n => new Uri(n.HttpUrl)).ToArray();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                using var client = new QuorumClient(urls);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    // Distinct keys: each key is written once, so its presence says whether its write is in the copy.
                    var key = $"w{w}/{i:D6}";
                    var value = $"value-{w}-{i}";
                    try
                    {
                        var revision = await client.PutAsync(key, value);
                        acks.Add(new Ack(key, value, revision, Stopwatch.GetTimestamp()));
                    }
                    catch (Exception e) when (e is QuorumClientException or HttpRequestException)
                    {
                        unknown.Add(key);
                    }
                }
            })).ToArray();

            await Eventually.UntilAsync(() => Task.FromResult(acks.Count >= 300), Timeout, "300 acknowledged writes");

            // Asked of a follower: the copy must still hold every write the leader acknowledged before.
            saveStarted = Stopwatch.GetTimestamp();
            save = await QuorumCli.RunAsync(["snapshot", "save", backup, "--endpoints", follower.HttpUrl]);
            var atSaveEnd = acks.Count;
            await Eventually.UntilAsync(() => Task.FromResult(acks.Count >= atSaveEnd + 200), Timeout, "writes after the backup");
            sharedAfter = await leader.Client.PutAsync("shared", "after");
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        output.WriteLine($"save: {save}");
        Assert.True(save.ExitCode == 0, save.ToString());
        var saved = SavedPattern().Match(save.Stdout);
        Assert.True(saved.Success, save.Stdout);
        var copyRevision = long.Parse(saved.Groups[1].Value, CultureInfo.InvariantCulture);
        var copyKeys = long.Parse(saved.Groups[2].Value, CultureInfo.InvariantCulture);
        var oldest = acks.Max(a => a.Revision);
        var beforeSave = acks.Count(a => a.AckedAt < saveStarted);
        var afterCopy = acks.Count(a => a.Revision > copyRevision);
        output.WriteLine($"copy at revision {copyRevision} with {copyKeys} keys; {acks.Count} writes acknowledged ({beforeSave} before the save began, {afterCopy} above the copy's revision), {unknown.Count} unknown; highest revision {oldest}");
        Assert.True(beforeSave > 0 && afterCopy > 0, "the writers must have written both before and after the copy");
        Assert.DoesNotContain(Directory.EnumerateFiles(files.Path), f => f != backup);

        var status = await QuorumCli.RunAsync(["snapshot", "status", backup]);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"revision: {copyRevision}\nkeys: {copyKeys}\nsize: {new FileInfo(backup).Length} bytes\nchecksum: ok", status.Stdout, StringComparison.Ordinal);

        await using var restored = await TestCluster.StartAsync(3, output, null, first => RestoreAsync(backup, first));
        var keys = new Dictionary<string, KeyItem>();
        await foreach (var item in restored[2].Client.ListAllAsync())
            keys.Add(item.Key, item);

        Assert.Equal(copyKeys, keys.Count);
        Assert.All(keys.Values, k => Assert.True(k.Revision <= copyRevision, $"{k.Key} has revision {k.Revision}, above the copy's {copyRevision}"));
        foreach (var ack in acks)
        {
            if (ack.AckedAt < saveStarted || ack.Revision <= copyRevision)
            {
                Assert.True(keys.TryGetValue(ack.Key, out var found), $"{ack.Key} (revision {ack.Revision}, acknowledged {(ack.AckedAt < saveStarted ? "before" : "after")} the save began) is missing");
                Assert.Equal((ack.Value, ack.Revision), (Encoding.UTF8.GetString(found.Value), found.Revision));
            }
            else
            {
                Assert.False(keys.ContainsKey(ack.Key), $"{ack.Key} was written at revision {ack.Revision}, after the copy's {copyRevision}");
            }
        }

        var known = acks.Select(a => a.Key).Concat(unknown).Append("shared").ToHashSet();
        Assert.DoesNotContain(keys.Keys, k => !known.Contains(k));
        Assert.Equal(("before", sharedBefore), (Encoding.UTF8.GetString(keys["shared"].Value), keys["shared"].Revision));

        // Revisions go on above anything the old cluster handed out, by the default margin.
        var next = await restored[1].Client.PutWithRetryAsync("new", "x", Timeout);
        Assert.True(next > copyRevision + DefaultBump && next > oldest && next > sharedAfter, $"the new cluster's first write got revision {next}; the old cluster reached {Math.Max(oldest, sharedAfter)}");

        // A client holding a revision the old cluster handed out after the copy is refused, not matched.
        var cas = await Assert.ThrowsAsync<QuorumClientException>(() => restored[0].Client.PutAsync("shared", "cas"u8.ToArray(), new PutOptions(IfRevision: sharedAfter)));
        Assert.Equal(HttpStatusCode.PreconditionFailed, cas.StatusCode);
        Assert.Equal("before", await restored[0].Client.GetStringAsync("shared"));

        // A watcher resuming from an old revision is told the history is compacted.
        using (var watch = await restored[0].Http.GetAsync($"/watch?from={copyRevision}", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.Gone, watch.StatusCode);
    }

    [Fact]
    public async Task A_backup_asked_of_a_lagging_follower_still_holds_every_write_acknowledged_before_it()
    {
        await using var cluster = await TestCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var follower = cluster.Nodes.First(n => n != leader);
        long written;
        Task<HttpResponseMessage> asked;

        // Paused, the follower misses the write the other two commit; resumed, it learns of the
        // commit only a round trip later, while the request for the copy is already waiting on it.
        follower.Pause();
        try
        {
            written = await leader.Client.PutAsync("while-paused", "x");
            asked = follower.Http.GetAsync("/snapshot", HttpCompletionOption.ResponseHeadersRead);
        }
        finally
        {
            follower.Resume();
        }

        using var response = await asked;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var revision = long.Parse(response.Headers.GetValues("X-Quorum-Revision").Single(), CultureInfo.InvariantCulture);
        Assert.True(revision >= written, $"the follower's copy is at revision {revision}, before the write acknowledged at {written}");

        var file = Path.Combine(files.Path, "follower.snapshot");
        await using (var stream = File.Create(file))
            await response.Content.CopyToAsync(stream);
        var status = await QuorumCli.RunAsync(["snapshot", "status", file]);
        Assert.Contains($"revision: {revision}\n", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_backup_is_refused_by_status_and_restore_and_nothing_is_written()
    {
        var backup = Path.Combine(files.Path, "good.snapshot");
        await using (var old = await TestCluster.StartAsync(1, output))
        {
            for (var i = 0; i < 50; i++)
                await old[0].Client.PutWithRetryAsync($"k{i}", $"v{i}", Timeout);
            var save = await QuorumCli.RunAsync(["snapshot", "save", backup, "--endpoints", old[0].HttpUrl]);
            Assert.True(save.ExitCode == 0, save.ToString());
        }

        var bytes = await File.ReadAllBytesAsync(backup);
        foreach (var offset in new[] { 0, 12, bytes.Length / 2, bytes.Length - 1 })
        {
            var damaged = Path.Combine(files.Path, $"damaged-{offset}.snapshot");
            var copy = (byte[])bytes.Clone();
            copy[offset] ^= 0x01;
            await File.WriteAllBytesAsync(damaged, copy);

            var status = await QuorumCli.RunAsync(["snapshot", "status", damaged]);
            Assert.True(status.ExitCode == 1, $"status of a file flipped at {offset}: {status}");
            Assert.Contains("damaged", status.Stderr, StringComparison.Ordinal);

            var target = Path.Combine(files.Path, $"restored-{offset}");
            var restore = await QuorumCli.RunAsync(["snapshot", "restore", damaged, "--data-dir", target, "--node-id", "r1", "--raft-port", "1"]);
            Assert.True(restore.ExitCode == 1, $"restore of a file flipped at {offset}: {restore}");
            Assert.Contains("damaged", restore.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(target), $"restore of a damaged file created {target}");
        }

        var truncated = Path.Combine(files.Path, "truncated.snapshot");
        await File.WriteAllBytesAsync(truncated, bytes[..^40]);
        Assert.Equal(1, (await QuorumCli.RunAsync(["snapshot", "status", truncated])).ExitCode);

        // A data directory with anything in it is refused and left as it was.
        var used = Directory.CreateDirectory(Path.Combine(files.Path, "used")).FullName;
        await File.WriteAllTextAsync(Path.Combine(used, "keep.txt"), "mine");
        var refused = await QuorumCli.RunAsync(["snapshot", "restore", backup, "--data-dir", used, "--node-id", "r1", "--raft-port", "1"]);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("not empty", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(used).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Users_and_roles_come_along_and_only_root_may_take_a_backup()
    {
        var backup = Path.Combine(files.Path, "auth.snapshot");
        await using (var old = await TestCluster.StartAsync(1, output))
        {
            var url = old[0].HttpUrl;
            string[][] setup =
            [
                ["user", "add", "root:root-pw"], ["role", "add", "app"], ["role", "grant", "app", "app/", "readwrite"],
                ["user", "add", "alice:alice-pw"], ["user", "grant", "alice", "app"], ["auth", "enable"], ["put", "app/x", "kept", "--user", "alice:alice-pw"],
            ];
            foreach (var args in setup)
            {
                var result = await QuorumCli.RunAsync([.. args, "--endpoints", url]);
                Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result}");
            }

            var anonymous = await QuorumCli.RunAsync(["snapshot", "save", backup, "--endpoints", url]);
            Assert.Equal(1, anonymous.ExitCode);
            Assert.Contains("HTTP 401", anonymous.Stderr, StringComparison.Ordinal);
            var alice = await QuorumCli.RunAsync(["snapshot", "save", backup, "--endpoints", url, "--user", "alice:alice-pw"]);
            Assert.Equal(1, alice.ExitCode);
            Assert.Contains("needs root", alice.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(files.Path));

            var root = await QuorumCli.RunAsync(["snapshot", "save", backup, "--endpoints", url, "--user", "root:root-pw"]);
            Assert.True(root.ExitCode == 0, root.ToString());
        }

        await using var restored = await TestCluster.StartAsync(1, output, null, async first =>
        {
            await RestoreAsync(backup, first);

            // Auth is on from the start: the cluster's own checks need root's credentials.
            first.Http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("root:root-pw"u8.ToArray()));
        });
        var node = restored[0].HttpUrl;
        var get = await QuorumCli.RunAsync(["get", "app/x", "--endpoints", node, "--user", "alice:alice-pw"]);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("kept", get.Stdout);
        var whoami = await QuorumCli.RunAsync(["auth", "whoami", "--endpoints", node, "--user", "alice:alice-pw"]);
        Assert.Equal("{\"name\":\"alice\",\"roles\":[\"app\"]}\n", whoami.Stdout);
        var wrong = await QuorumCli.RunAsync(["get", "app/x", "--endpoints", node, "--user", "alice:wrong"]);
        Assert.Contains("HTTP 401", wrong.Stderr, StringComparison.Ordinal);
        var anonymousGet = await QuorumCli.RunAsync(["get", "app/x", "--endpoints", node]);
        Assert.Contains("HTTP 401", anonymousGet.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_leader_takes_scheduled_backups_keeps_the_newest_and_skips_when_nothing_changed()
    {
        var folders = Enumerable.Range(1, 3).Select(i => Path.Combine(files.Path, $"backups-n{i}")).ToArray();
        await using var cluster = await TestCluster.StartAsync(1, output, "--backup-dir", folders[0], "--backup-interval", "500ms", "--backup-keep", "2");
        await cluster.AddNodeAsync("--backup-dir", folders[1]);
        await cluster.AddNodeAsync("--backup-dir", folders[2]);
        await cluster.WaitUntilConvergedAsync(Timeout);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var leaderFolder = folders[cluster.Nodes.ToList().IndexOf(leader)];

        var revisions = new List<long>();
        for (var round = 0; round < 4; round++)
        {
            var written = await leader.Client.PutWithRetryAsync($"round/{round}", "x", Timeout);
            var taken = await Eventually.GetAsync(
                () => Task.FromResult(Backups(leaderFolder).Where(b => b.Revision >= written).Select(b => (long?)b.Revision).FirstOrDefault() is { } revision ? revision.ToString(CultureInfo.InvariantCulture) : null),
                Timeout,
                $"a backup at revision {written} or later");
            revisions.Add(long.Parse(taken, CultureInfo.InvariantCulture));
        }

        // Idle: two more ticks say nothing changed, and no file is added.
        var newest = Backups(leaderFolder);
        var unchangedBefore = Count(leader.Log, "nothing changed since the last one");
        await Eventually.UntilAsync(() => Task.FromResult(Count(leader.Log, "nothing changed since the last one") >= unchangedBefore + 2), Timeout, "two idle ticks");
        var idle = Backups(leaderFolder);
        Assert.Equal(newest.Select(b => b.Path), idle.Select(b => b.Path));

        // Keep 2: the two newest, by time and by revision.
        Assert.Equal(2, idle.Count);
        Assert.Equal(revisions.Max(), idle[^1].Revision);
        Assert.True(idle[0].Revision < idle[1].Revision);
        Assert.True(Count(leader.Log, "Old backup") >= 2, leader.Log);
        foreach (var (path, revision) in idle)
        {
            var status = await QuorumCli.RunAsync(["snapshot", "status", path]);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains($"revision: {revision}\n", status.Stdout, StringComparison.Ordinal);
        }

        // Only the leader wrote any.
        foreach (var folder in folders.Where(f => f != leaderFolder))
            Assert.False(Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(), $"a follower wrote backups into {folder}");
    }

    [Fact]
    public async Task A_scheduled_backup_that_cannot_be_written_is_logged_and_the_next_tick_tries_again()
    {
        // A file where the folder should be: every attempt fails until it is gone.
        var folder = Path.Combine(files.Path, "backups");
        await File.WriteAllTextAsync(folder, "in the way");
        await using var cluster = await TestCluster.StartAsync(1, output, "--backup-dir", folder, "--backup-interval", "300ms");
        var node = cluster[0];
        await node.Client.PutWithRetryAsync("k", "v", Timeout);
        await Eventually.UntilAsync(() => Task.FromResult(Count(node.Log, "failed; the next tick tries again") >= 2), Timeout, "two failed backups logged");
        Assert.True(node.IsRunning);

        File.Delete(folder);
        await Eventually.UntilAsync(() => Task.FromResult(Backups(folder).Count == 1), Timeout, "a backup once the folder can be made");
        Assert.DoesNotContain(Directory.EnumerateFiles(folder), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    public void Dispose() => files.Dispose();

    private static int Count(string text, string what) => Regex.Count(text, Regex.Escape(what));

    private static List<(string Path, long Revision)> Backups(string folder)
        => Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder)
                .Select(path => (Path: path, Match: BackupNamePattern().Match(Path.GetFileName(path))))
                .Where(b => b.Match.Success)
                .Select(b => (b.Path, long.Parse(b.Match.Groups[1].Value, CultureInfo.InvariantCulture)))
                .OrderBy(b => b.Path, StringComparer.Ordinal)
                .ToList()
            : [];

    private async Task RestoreAsync(string backup, QuorumNode first)
    {
        var result = await QuorumCli.RunAsync(["snapshot", "restore", backup, "--data-dir", first.DataDirectory, "--node-id", first.Id, "--http-port", first.HttpPort.ToString(CultureInfo.InvariantCulture), "--raft-port", first.RaftPort.ToString(CultureInfo.InvariantCulture)]);
        output.WriteLine($"restore: {result}");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [GeneratedRegex(@"revision (\d+), (\d+) keys")]
    private static partial Regex SavedPattern();

    [GeneratedRegex(@"^quorum-\d{8}T\d{9}Z-r(\d{20})\.snapshot$")]
    private static partial Regex BackupNamePattern();

    private sealed record Ack(string Key, string Value, long Revision, long AckedAt);
}
