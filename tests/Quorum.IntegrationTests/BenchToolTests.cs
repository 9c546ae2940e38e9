using System.Diagnostics;
using System.Text.Json;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>The benchmark tool runs against a real node and reports numbers that hold together; no timing is asserted.</summary>
public sealed class BenchToolTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The value quorum-bench writes: <c>--value-size</c> bytes from <c>new Random(1)</c>, the same
    /// for every key and every write (see <c>BenchRunner.RunAsync</c>).
    /// </summary>
    private static byte[] BenchValue(int size)
    {
        var value = new byte[size];
        new Random(1).NextBytes(value);
        return value;
    }

    // put: one key, so that every completed put wrote it and the key that must exist is known.
    // mixed: every key is written before the run (population), so all of them must exist.
    [Theory]
    [InlineData("put", 1)]
    [InlineData("mixed", 50)]
    public async Task Bench_reports_sane_numbers_against_one_node(string workload, int keys)
    {
        await using var cluster = await TestCluster.StartAsync(1, output);

        var (exitCode, stdout, stderr) = await RunBenchAsync(
            "--endpoints", cluster[0].HttpUrl, "--workload", workload, "--clients", "4",
            "--duration", "2s", "--warmup", "1s", "--keys", keys.ToString(System.Globalization.CultureInfo.InvariantCulture), "--value-size", "32", "--json");
        output.WriteLine(stderr);
        output.WriteLine(stdout);

        Assert.Equal(0, exitCode);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("quorum", result.GetProperty("target").GetString());
        Assert.Equal(workload, result.GetProperty("workload").GetString());
        Assert.Equal(4, result.GetProperty("clients").GetInt32());
        Assert.Equal(0, result.GetProperty("errors").GetInt64());
        var operations = result.GetProperty("operations").GetInt64();
        Assert.True(operations > 0, $"operations = {operations}");
        var seconds = result.GetProperty("seconds").GetDouble();
        Assert.InRange(seconds, 1.5, 30);
        Assert.Equal(operations / seconds, result.GetProperty("throughput").GetDouble(), 3);

        var p50 = result.GetProperty("p50Ms").GetDouble();
        var p90 = result.GetProperty("p90Ms").GetDouble();
        var p99 = result.GetProperty("p99Ms").GetDouble();
        var p999 = result.GetProperty("p999Ms").GetDouble();
        var max = result.GetProperty("maxMs").GetDouble();
        Assert.True(p50 > 0, $"p50 = {p50}");
        Assert.True(p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max, $"percentiles out of order: {p50} {p90} {p99} {p999} {max}");

        // The load was real: the store holds exactly the bench's keys, each with the bench's value.
        // (put: operations > 0, so some put completed, and with one key it wrote bench/00000000.)
        var page = await cluster[0].Client.ListAsync(string.Empty, limit: 1000);
        Assert.Equal(Enumerable.Range(0, keys).Select(i => $"bench/{i:D8}"), page.Items.Select(i => i.Key));
        Assert.All(page.Items, item => Assert.Equal(BenchValue(32), item.Value));
    }

    [Fact]
    public async Task Bench_without_population_reads_the_store_as_it_is()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        var before = await cluster[0].Client.GetStatusAsync();

        var (exitCode, stdout, stderr) = await RunBenchAsync(
            "--endpoints", cluster[0].HttpUrl, "--workload", "get", "--clients", "2",
            "--duration", "1s", "--warmup", "0s", "--keys", "20", "--no-populate", "--json");
        output.WriteLine(stderr);
        output.WriteLine(stdout);

        // Nothing wrote the keys, so every read found none (404, counted as an error), and the store
        // is as it was: no key, and not one log entry more (reads do not go through the log).
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, exitCode);
        Assert.Equal(0, result.GetProperty("operations").GetInt64());
        Assert.True(result.GetProperty("errors").GetInt64() > 0, stdout);
        var page = await cluster[0].Client.ListAsync(string.Empty, limit: 1000);
        Assert.Empty(page.Items);
        Assert.Equal(before.AppliedIndex, page.Revision);
        Assert.Equal(before.AppliedIndex, (await cluster[0].Client.GetStatusAsync()).AppliedIndex);
    }

    [Fact]
    public async Task Bench_refuses_bad_options_with_usage()
    {
        var (exitCode, _, stderr) = await RunBenchAsync("--workload", "scan");

        Assert.Equal(2, exitCode);
        Assert.Contains("Argument 'scan' not recognized. Must be one of:", stderr, StringComparison.Ordinal);
        Assert.Contains("usage: quorum-bench", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunBenchAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(QuorumProgram.FindBuilt(Path.Combine("bench", "Quorum.Bench"), "quorum-bench.dll"));
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start quorum-bench.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"quorum-bench still running after {Timeout}: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
