using System.Diagnostics;
using System.Text.Json;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// The single-file release (README "Install"): the documented publish command gives one file that
/// runs as a node with no .NET on the machine.
/// </summary>
public sealed class SingleFileReleaseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Published_single_file_serves_without_dotnet()
    {
        using var release = new TemporaryDirectory("quorum-release");
        using var data = new TemporaryDirectory("quorum-release-data");
        await PublishAsync(release.Path);

        // One executable and nothing beside it: no .dll, no .pdb, no XML docs, no runtime config.
        var files = Directory.GetFileSystemEntries(release.Path).Select(static entry => Path.GetFileName(entry)).ToArray();
        Assert.Equal<string>(["quorum"], files);
        var program = Path.Combine(release.Path, "quorum");

        // A machine without .NET: no dotnet on PATH, no DOTNET_* variable pointing at one.
        var path = string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(static directory => !File.Exists(Path.Combine(directory, "dotnet"))));
        Assert.DoesNotContain(path.Split(':'), static directory => File.Exists(Path.Combine(directory, "dotnet")));

        var httpPort = Ports.Next();
        await using var node = QuorumProgram.StartExecutable(
            program,
            ["serve", "--node-id", "single", "--data-dir", data.Path, "--http-port", httpPort.ToString(), "--raft-port", Ports.Next().ToString()],
            editEnvironment: environment =>
            {
                foreach (var name in environment.Keys.Where(static name => name.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase)).ToList())
                    environment.Remove(name);
                environment["PATH"] = path;
            });

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = Timeout };
        var identity = await Eventually.GetAsync(
            async () =>
            {
                if (node.HasExited)
                    throw new InvalidOperationException($"quorum exited with code {node.ExitCode}:\n{node.Output}");
                return await http.GetStringAsync("/");
            },
            Timeout,
            "the published quorum to serve HTTP");
        output.WriteLine(identity);
        Assert.Equal("single", JsonDocument.Parse(identity).RootElement.GetProperty("node").GetString());

        using var put = await http.PutAsync("/key/release/greeting", new StringContent("from one file"));
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("from one file", await http.GetStringAsync("/key/release/greeting"));

        Assert.Equal(0, await node.StopAsync(Timeout));
    }

    /// <summary>Runs exactly the publish command the README documents.</summary>
    private async Task PublishAsync(string directory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = QuorumProgram.RepositoryRoot,
        };
        foreach (var arg in (string[])["publish", "src/Quorum", "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishSingleFile=true", "-o", directory, "-nologo"])
            info.ArgumentList.Add(arg);

        var started = Stopwatch.StartNew();
        using var publish = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet publish.");
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(PublishTimeout);
        await publish.WaitForExitAsync(deadline.Token);
        output.WriteLine($"dotnet publish took {started.Elapsed.TotalSeconds:0.0}s");
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed ({publish.ExitCode}):\n{await stdout}\n{await stderr}");
    }
}
