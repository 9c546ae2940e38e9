using Quorum.Client;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// A cluster of real nodes for one test: the first bootstraps, the others join it through
/// <c>--join</c>, exactly as the README tells a user to do. Disposing kills every node and writes
/// their logs to the test output.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper output;
    private readonly string root;
    private readonly List<QuorumNode> nodes = [];
    private readonly string[] extraArgs;
    private readonly ClientTls? tls;
    private readonly Func<QuorumNode, Task>? prepareEach;

    private TestCluster(ITestOutputHelper output, string[] extraArgs, ClientTls? tls, Func<QuorumNode, Task>? prepareEach = null)
    {
        this.output = output;
        this.extraArgs = extraArgs;
        this.tls = tls;
        this.prepareEach = prepareEach;
        root = Path.Combine(Path.GetTempPath(), "quorum-it-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
    }

    public IReadOnlyList<QuorumNode> Nodes => nodes;

    public QuorumNode this[int index] => nodes[index];

    /// <summary>Starts a cluster of <paramref name="size"/> nodes and waits until every node knows every member and a leader.</summary>
    public static Task<TestCluster> StartAsync(int size, ITestOutputHelper output, params string[] extraArgs)
        => StartAsync(size, output, null, extraArgs);

    /// <summary>Starts a cluster of <paramref name="size"/> nodes whose API the test's clients reach as <paramref name="tls"/> says, and waits until it converges.</summary>
    public static Task<TestCluster> StartAsync(int size, ITestOutputHelper output, ClientTls? tls, params string[] extraArgs)
        => StartAsync(size, output, tls, prepareFirst: null, extraArgs);

    /// <summary>
    /// Starts a cluster as above, after <paramref name="prepareFirst"/> has made the first node's data
    /// directory (such as by restoring a backup into it); the first node then starts without
    /// <c>--join</c> and the others join it.
    /// </summary>
    public static Task<TestCluster> StartAsync(int size, ITestOutputHelper output, ClientTls? tls, Func<QuorumNode, Task>? prepareFirst, params string[] extraArgs)
        => StartAsync(new TestCluster(output, extraArgs, tls), size, prepareFirst);

    /// <summary>
    /// Starts a cluster as above, after <paramref name="prepareEach"/> has run for each node before
    /// its first start (such as mounting a file system at its data directory), here and in <see cref="AddNodeAsync"/>.
    /// </summary>
    public static Task<TestCluster> StartPreparingEachAsync(int size, ITestOutputHelper output, Func<QuorumNode, Task> prepareEach, params string[] extraArgs)
        => StartAsync(new TestCluster(output, extraArgs, tls: null, prepareEach), size, prepareEach);

    private static async Task<TestCluster> StartAsync(TestCluster cluster, int size, Func<QuorumNode, Task>? prepareFirst)
    {
        var extraArgs = cluster.extraArgs;
        try
        {
            var first = cluster.CreateNode();
            if (prepareFirst is not null)
                await prepareFirst(first);
            first.Start(extraArgs);
            await first.WaitUntilServingAsync(StartTimeout);
            for (var i = 1; i < size; i++)
                await cluster.AddNodeAsync();

            await cluster.WaitUntilConvergedAsync(StartTimeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a node with its own ports and data directory, not yet started.</summary>
    public QuorumNode CreateNode()
    {
        var id = $"n{nodes.Count + 1}";
        var node = new QuorumNode(id, Path.Combine(root, id), tls);
        nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Starts a new node that joins through the most recently added running node (a follower, once
    /// there are two, so joins are forwarded to the leader as they would be for a user), and waits
    /// until it serves.
    /// </summary>
    public async Task<QuorumNode> AddNodeAsync(params string[] moreArgs)
    {
        var seed = nodes.Last(n => n.IsRunning);
        var node = CreateNode();
        if (prepareEach is not null)
            await prepareEach(node);
        node.Start([.. extraArgs, .. moreArgs, "--join", seed.HttpUrl]);
        await node.WaitUntilServingAsync(StartTimeout);
        return node;
    }

    /// <summary>Waits until every running node reports the same leader and all <paramref name="expectedMembers"/> (default: every node) with HTTP addresses.</summary>
    public Task WaitUntilConvergedAsync(TimeSpan timeout, IReadOnlyCollection<QuorumNode>? expectedMembers = null)
    {
        var expected = (expectedMembers ?? nodes).Select(n => n.Id).Order().ToArray();
        return Eventually.UntilAsync(
            async () =>
            {
                string? leader = null;
                foreach (var node in nodes.Where(n => n.IsRunning))
                {
                    var status = await node.Client.GetStatusAsync();
                    var members = status.Members.Where(m => m.Http.Length > 0).Select(m => m.Id).Order().ToArray();
                    if (status.Leader is null || !members.SequenceEqual(expected) || (leader is not null && leader != status.Leader))
                        return false;
                    leader = status.Leader;
                }

                return leader is not null;
            },
            timeout,
            $"nodes to agree on a leader and members [{string.Join(", ", expected)}]");
    }

    /// <summary>Waits until a running node (other than <paramref name="except"/>) leads and its leadership is usable, and returns it.</summary>
    public Task<QuorumNode> WaitForLeaderAsync(TimeSpan timeout, QuorumNode? except = null)
        => Eventually.GetAsync(
            async () =>
            {
                foreach (var node in nodes.Where(n => n.IsRunning && n != except))
                {
                    var status = await node.Client.GetStatusAsync();
                    if (status.State == "leader")
                    {
                        using var ready = await node.Http.GetAsync("/ready");
                        return ready.IsSuccessStatusCode ? node : null;
                    }
                }

                return null;
            },
            timeout,
            "a leader");

    /// <summary>Gets the node with this ID.</summary>
    public QuorumNode Node(string id) => nodes.Single(n => n.Id == id);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
            await node.DisposeAsync();

        foreach (var node in nodes)
        {
            try
            {
                output.WriteLine($"----- log of {node.Id} -----");
                output.WriteLine(node.Log);
            }
            catch (InvalidOperationException)
            {
                // No test is active any more (e.g. disposed from a fixture).
            }
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Shortcuts for the typed client used across tests.</summary>
internal static class ClientExtensions
{
    /// <summary>Writes a key, retrying only while the cluster answers 503 (nothing changed: no leader yet); any other error fails the test.</summary>
    public static async Task<long> PutWithRetryAsync(this QuorumClient client, string key, string value, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await client.PutAsync(key, value);
            }
            catch (QuorumClientException e) when (e.IsRetryable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
