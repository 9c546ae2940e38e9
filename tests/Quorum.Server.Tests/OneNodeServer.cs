using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.IntegrationTests.Infrastructure;
using Quorum.Server.Forwarding;
using Quorum.Server.Metrics;
using Quorum.Store;

namespace Quorum.Server.Tests;

/// <summary>
/// One node in this process: a real store (real Raft, a real data directory) behind the real HTTP
/// pipeline from <see cref="QuorumServer.Build"/>, on Kestrel over loopback. Shared by a test class.
/// </summary>
public sealed class OneNodeServer : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "quorum-server-tests-" + Guid.NewGuid().ToString("N"));
    private NodeClient? nodeClient;
    private NodeMetrics? metrics;

    /// <summary>How many recent changes the node keeps for watchers.</summary>
    public const int WatchHistoryChanges = 50;

    /// <summary>Gets the file audit records go to, or <see langword="null"/> for the ordinary log.</summary>
    public string? AuditLogPath { get; init; }

    /// <summary>Gets the store under the server.</summary>
    public QuorumStore Store { get; private set; } = null!;

    /// <summary>Gets the running application.</summary>
    public WebApplication App { get; private set; } = null!;

    /// <summary>Gets a client for the node's HTTP API.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var httpPort = Ports.Next();

        // Started before the store, as the quorum program does, so that start-up is measured.
        metrics = NodeMetrics.Start();
        var options = new StoreOptions
        {
            Metrics = metrics.Store,
            DataDirectory = directory,
            NodeId = "solo",
            RaftEndPoint = new IPEndPoint(IPAddress.Loopback, Ports.Next()),
            HttpAddress = $"http://127.0.0.1:{httpPort}",

            // Small, so that a test can push a revision out of the watch history.
            WatchHistoryChanges = WatchHistoryChanges,
        };

        nodeClient = new NodeClient("solo");
        Store = await QuorumStore.OpenAsync(options, nodeClient, NullLoggerFactory.Instance, CancellationToken.None);
        App = QuorumServer.Build(Store, nodeClient, new ServerOptions { HttpEndPoint = new IPEndPoint(IPAddress.Loopback, httpPort), AuditLogPath = AuditLogPath, Metrics = metrics }, NullLoggerFactory.Instance);
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(options.HttpAddress) };

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Store.IsLeader)
        {
            Assert.True(DateTime.UtcNow < deadline, "the node did not lead within 30 s");
            await Task.Delay(20);
        }
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Store.DisposeAsync();
        nodeClient?.Dispose();
        metrics?.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
