using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Quorum.Chaos.Network;

/// <summary>
/// A TCP proxy in front of every node's Raft port, through which all Raft traffic goes (each node
/// advertises its proxy with <c>--advertise-raft</c>), so that the nemesis can delay one node's
/// traffic. This kernel has no <c>netem</c> qdisc, and htb/tbf shaping only delays packets that
/// exceed a rate, by an amount that depends on the load; a proxy delays every chunk by the amount
/// asked, with jitter, keeping each direction's order (a chunk is never sent before the one read
/// before it), as a slow link would.
/// </summary>
/// <remarks>
/// The proxy of a node listens on the node's own address, so a partition (iptables rules on the
/// destination address) cuts traffic to the proxy as it did to the node. A connection counts as
/// the delayed node's when it goes to that node's proxy, or comes from that node: its source is
/// looked up by uid in the namespace's socket table, since nodes do not bind their outgoing sockets.
/// </remarks>
internal sealed class RaftProxies : IAsyncDisposable
{
    /// <summary>The port every node's proxy listens on, at the node's address.</summary>
    public const int Port = 8082;

    /// <summary>How long a delay takes to reach its full amount.</summary>
    /// <remarks>A delay is reached over this long, so the first delayed chunk does not leave a gap of the
    /// whole delay at once: a follower would take that gap for a dead leader and stand for election.</remarks>
    public static readonly TimeSpan Ramp = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpListener> listeners = [];
    private readonly List<Task> loops = [];
    private readonly IReadOnlyDictionary<int, int> nodeByUid;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Source, int Target), bool> links = new();
    private volatile Fault? fault;
    private long delayedChunks;

    private RaftProxies(IReadOnlyDictionary<int, int> nodeByUid) => this.nodeByUid = nodeByUid;

    /// <summary>Gets how many chunks were held back by a delay so far.</summary>
    public long DelayedChunks => Interlocked.Read(ref delayedChunks);

    /// <summary>Starts one proxy per node: <c>address:</c><see cref="Port"/> forwards to <c>address:</c><paramref name="raftPort"/>.</summary>
    /// <param name="nodes">Each node's index, address and uid.</param>
    /// <param name="raftPort">The port the nodes' Raft transport binds.</param>
    public static RaftProxies Start(IReadOnlyList<(int Index, string Address, int Uid)> nodes, int raftPort)
    {
        var proxies = new RaftProxies(nodes.ToDictionary(static n => n.Uid, static n => n.Index));
        foreach (var (index, address, _) in nodes)
        {
            var listener = new TcpListener(IPAddress.Parse(address), Port);
            listener.Start();
            proxies.listeners.Add(listener);
            proxies.loops.Add(Task.Run(() => proxies.AcceptAsync(listener, index, address, raftPort)));
        }

        return proxies;
    }

    /// <summary>Delays every chunk to and from node <paramref name="index"/> by <paramref name="delay"/> ± <paramref name="jitter"/>, reached over a second.</summary>
    public void Delay(int index, TimeSpan delay, TimeSpan jitter) => fault = new Fault(index, delay, jitter, DateTime.UtcNow);

    /// <summary>Ends the delay; chunks already held still go out in order.</summary>
    public void Heal() => fault = null;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        foreach (var listener in listeners)
            listener.Stop();

        await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, int target, string address, int raftPort)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(client, target, address, raftPort));
        }
    }

    private async Task ForwardAsync(Socket client, int target, string address, int raftPort)
    {
        using var _ = client;
        var source = SourceNode(((IPEndPoint)client.RemoteEndPoint!).Port);
        if (links.TryAdd((source, target), true))
            RunLog.Write($"raft proxy: first connection from {(source == 0 ? "the runner" : "n" + source.ToString(CultureInfo.InvariantCulture))} to n{target.ToString(CultureInfo.InvariantCulture)}");
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        try
        {
            await server.ConnectAsync(address, raftPort, connection.Token);
            bool Delayed(int node) => node == target || node == source;
            await Task.WhenAny(PumpAsync(client, server, Delayed, connection.Token), PumpAsync(server, client, Delayed, connection.Token));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
        finally
        {
            // One side closed or broke: close both, as a link would.
            await connection.CancelAsync();
        }
    }

    // Reads chunks from one socket and writes them to the other, each after its delay, in order.
    private async Task PumpAsync(Socket from, Socket to, Func<int, bool> delayed, CancellationToken token)
    {
        var chunks = Channel.CreateUnbounded<(byte[] Data, DateTime Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = WriteAsync(to, chunks.Reader, token);
        var random = new Random();
        var lastDue = DateTime.MinValue;
        try
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, token);
                if (read == 0)
                    break;

                var now = DateTime.UtcNow;
                var due = now;
                if (fault is { } f && delayed(f.Node))
                {
                    var ramp = Math.Min(1, (now - f.Since) / Ramp);
                    due = now + (((f.Delay + ((random.NextDouble() * 2) - 1) * f.Jitter)) * ramp);
                    Interlocked.Increment(ref delayedChunks);
                }

                lastDue = due > lastDue ? due : lastDue;
                chunks.Writer.TryWrite((buffer[..read], lastDue));
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        chunks.Writer.TryComplete();
        await writing;
        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task WriteAsync(Socket to, ChannelReader<(byte[] Data, DateTime Due)> chunks, CancellationToken token)
    {
        try
        {
            await foreach (var (data, due) in chunks.ReadAllAsync(token))
            {
                var wait = due - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, token);

                await to.SendAsync(data, SocketFlags.None, token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    // The node whose uid owns the socket that connected from this port to a proxy, from the
    // namespace's socket tables; 0 when it is not a node's (the runner's own).
    private int SourceNode(int port)
    {
        var local = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var remote = ":" + Port.ToString("X4", CultureInfo.InvariantCulture);
        // .NET's sockets are dual-mode IPv6 ones, listed in tcp6 with IPv4-mapped addresses.
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1).Concat(File.ReadLines("/proc/net/tcp6").Skip(1)))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 7 && fields[1].EndsWith(local, StringComparison.Ordinal) && fields[2].EndsWith(remote, StringComparison.Ordinal)
                && int.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
                return nodeByUid.TryGetValue(uid, out var node) ? node : 0;
        }

        return 0;
    }

    private sealed record Fault(int Node, TimeSpan Delay, TimeSpan Jitter, DateTime Since);
}
