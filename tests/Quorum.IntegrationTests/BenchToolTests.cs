using System.Diagnostics;
using System.Text.Json;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>The benchmark tool runs against a real node and reports numbers that hold together; no timing is asserted.</summary>
public sealed class BenchToolTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("put")]
    [InlineData("mixed")]
    public async Task Bench_reports_sane_numbers_against_one_node(string workload)
    {
        await using var cluster = await TestCluster.StartAsync(1, output);

        var (exitCode, stdout, stderr) = await RunBenchAsync(
            "--endpoints", cluster[0].HttpUrl, "--workload", workload, "--clients", "4",
            "--duration", "2s", "--warmup", "1s", "--keys", "50", "--value-size", "32", "--json");
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

        // The load was real: the keys it wrote are in the store with the value size asked for.
        var value = await cluster[0].Client.GetAsync("bench/00000000", Consistency.Stale);
        if (workload == "mixed")
            Assert.NotNull(value); // read workloads write every key first
        if (value is not null)
            Assert.Equal(32, value.Value.Length);
    }

    [Fact]
    public async Task Bench_without_population_reads_the_store_as_it_is()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);

        var (exitCode, stdout, stderr) = await RunBenchAsync(
            "--endpoints", cluster[0].HttpUrl, "--workload", "get", "--clients", "2",
            "--duration", "1s", "--warmup", "0s", "--keys", "20", "--no-populate", "--json");
        output.WriteLine(stderr);
        output.WriteLine(stdout);

        // Nothing wrote the keys, so every read found none (404, counted as an error) and the store is still empty.
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, exitCode);
        Assert.Equal(0, result.GetProperty("operations").GetInt64());
        Assert.True(result.GetProperty("errors").GetInt64() > 0, stdout);
        Assert.Null(await cluster[0].Client.GetAsync("bench/00000000", Consistency.Stale));
    }

    [Fact]
    public async Task Bench_refuses_bad_options_with_usage()
    {
        var (exitCode, _, stderr) = await RunBenchAsync("--workload", "scan");

        Assert.Equal(2, exitCode);
        Assert.Contains("--workload is put, get, get-stale or mixed", stderr, StringComparison.Ordinal);
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
