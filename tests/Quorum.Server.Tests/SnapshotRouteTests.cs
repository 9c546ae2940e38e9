using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Quorum.Store;
using Xunit.Abstractions;

namespace Quorum.Server.Tests;

/// <summary><c>GET /snapshot</c>: what it answers, and that writes go on while it streams.</summary>
public sealed class SnapshotRouteTests(OneNodeServer node, ITestOutputHelper output) : IClassFixture<OneNodeServer>, IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("quorum-snapshot-route-").FullName;

    [Fact]
    public async Task A_snapshot_holds_every_write_before_it_and_its_headers_say_its_revision_and_keys()
    {
        for (var i = 0; i < 20; i++)
            await node.Store.SetAsync(Encoding.UTF8.GetBytes($"snap/{i}"), Encoding.UTF8.GetBytes($"v{i}"));
        var last = (await node.Store.SetAsync("snap/last"u8.ToArray(), "end"u8.ToArray())).Revision;
        var keys = (await node.Store.ListAsync(ReadOnlyMemory<byte>.Empty, null, QuorumStore.MaxListLimit)).Items.Count;

        using var response = await node.Http.GetAsync("/snapshot", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var revision = long.Parse(response.Headers.GetValues("X-Quorum-Revision").Single(), CultureInfo.InvariantCulture);
        Assert.True(revision >= last, $"the copy's revision {revision} is below the last acknowledged write's {last}");
        Assert.Equal(keys.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("X-Quorum-Keys").Single());

        var file = Path.Combine(folder, "copy.snapshot");
        await using (var stream = File.Create(file))
            await response.Content.CopyToAsync(stream);

        var info = BackupFile.Verify(file);
        Assert.Equal(revision, info.Revision);
        Assert.Equal(keys, info.Keys);
        Assert.Equal(new FileInfo(file).Length, info.Bytes);
    }

    [Fact]
    public async Task A_snapshot_request_with_an_unknown_parameter_is_400_json()
    {
        using var response = await node.Http.GetAsync("/snapshot?compact=1");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("compact", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// 100,000 keys of 100 bytes; one writer measures each write's latency before and while a copy
    /// streams. The copy pins a version of the state and takes no lock writes wait for, so the worst
    /// write while it streams stays within a small multiple of the worst before (plus the disk's noise).
    /// </summary>
    [Fact]
    public async Task Writes_go_on_while_a_copy_of_100k_keys_streams()
    {
        const int Keys = 100_000;
        var value = new byte[100];
        await Parallel.ForAsync(0, Keys, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, token) =>
            await node.Store.SetAsync(Encoding.UTF8.GetBytes($"load/{i:D6}"), value, token));

        async Task<List<double>> WriteWhileAsync(Func<bool> goOn)
        {
            var latencies = new List<double>();
            for (var i = 0; goOn() || latencies.Count < 20; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await node.Store.SetAsync(Encoding.UTF8.GetBytes($"probe/{i % 100}"), value);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return latencies;
        }

        var baselineUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var baseline = await WriteWhileAsync(() => Stopwatch.GetTimestamp() < baselineUntil);

        var copied = 0L;
        var copyWatch = Stopwatch.StartNew();
        var copy = Task.Run(async () =>
        {
            using var response = await node.Http.GetAsync("/snapshot", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
                copied += read;
            copyWatch.Stop();
        });
        var during = await WriteWhileAsync(() => !copy.IsCompleted);
        await copy;

        double Max(List<double> l) => l.Max();
        double P99(List<double> l) => l.Order().ElementAt((int)(l.Count * 0.99));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"copy of {Keys} keys: {copied} bytes in {copyWatch.ElapsedMilliseconds} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"writes before: {baseline.Count}, p99 {P99(baseline):0.0} ms, max {Max(baseline):0.0} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"writes during: {during.Count}, p99 {P99(during):0.0} ms, max {Max(during):0.0} ms"));

        Assert.True(copied > Keys * 100L, $"the copy has {copied} bytes, fewer than its values alone");
        Assert.True(during.Count >= 5, $"only {during.Count} writes completed while the copy streamed for {copyWatch.ElapsedMilliseconds} ms");
        Assert.True(Max(during) < Math.Max(500, 10 * Max(baseline)), $"a write took {Max(during):0.0} ms while the copy streamed (before: at most {Max(baseline):0.0} ms)");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}

/// <summary><c>GET /snapshot</c> with auth on: root gets the copy, with its users and roles (refusals are in <see cref="AuthRouteTests"/>).</summary>
public sealed class SnapshotAuthTests(AuthNodeServer fixture) : IClassFixture<AuthNodeServer>
{
    [Fact]
    public async Task Root_gets_the_snapshot()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/snapshot");
        request.Headers.Authorization = AuthNodeServer.Basic("root", "root-pw");
        using var response = await fixture.Node.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("QRMBKUP1", Encoding.ASCII.GetString(body, 0, 8));

        // The users' password hashes travel in the copy (root, alice, bob), never their passwords.
        Assert.DoesNotContain("alice-pw", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.Contains("alice", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }
}
