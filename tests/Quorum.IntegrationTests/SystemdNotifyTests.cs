using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// <c>quorum serve</c> under systemd <c>Type=notify</c>, without systemd: the test plays systemd's
/// part, a Unix datagram socket named by <c>NOTIFY_SOCKET</c>, and checks what the node tells it and when.
/// </summary>
public sealed class SystemdNotifyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ready_comes_once_the_node_serves_and_stopping_on_sigterm()
    {
        using var directory = new TemporaryDirectory("quorum-notify");
        using var systemd = new NotifySocket(Path.Combine(directory.Path, "notify.sock"));
        var httpPort = Ports.Next();
        await using var node = QuorumProgram.Start(
            ["serve", "--node-id", "sd1", "--data-dir", Path.Combine(directory.Path, "data"), "--http-port", httpPort.ToString(), "--raft-port", Ports.Next().ToString()],
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = systemd.Path });

        Assert.Equal("READY=1", await systemd.ReceiveAsync(Timeout, node));

        // At that moment, not after some retries: the node answers.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = Timeout };
        var identity = JsonDocument.Parse(await http.GetStringAsync("/")).RootElement;
        Assert.Equal("sd1", identity.GetProperty("node").GetString());

        var stopping = systemd.ReceiveAsync(Timeout, node);
        Assert.Equal(0, await node.StopAsync(Timeout));
        Assert.Equal("STOPPING=1", await stopping);
        output.WriteLine(node.Output);
    }

    [Fact]
    public async Task A_joining_node_is_ready_only_once_it_is_a_member()
    {
        await using var cluster = await TestCluster.StartAsync(1, output);
        using var directory = new TemporaryDirectory("quorum-notify");
        using var systemd = new NotifySocket(Path.Combine(directory.Path, "notify.sock"));
        var httpPort = Ports.Next();
        await using var joiner = QuorumProgram.Start(
            ["serve", "--node-id", "sd2", "--data-dir", Path.Combine(directory.Path, "data"), "--http-port", httpPort.ToString(), "--raft-port", Ports.Next().ToString(), "--join", cluster[0].HttpUrl],
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = systemd.Path });

        Assert.Equal("READY=1", await systemd.ReceiveAsync(Timeout, joiner));

        // Ready means a voter: the joiner counts itself a member, and so does the leader.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = Timeout };
        Assert.Contains("sd2", MemberIds(await http.GetStringAsync("/status")));
        Assert.Contains("sd2", MemberIds(await cluster[0].Http.GetStringAsync("/status")));
        output.WriteLine(joiner.Output);
    }

    private static string?[] MemberIds(string status)
        => [.. JsonDocument.Parse(status).RootElement.GetProperty("members").EnumerateArray().Select(static m => m.GetProperty("id").GetString())];

    /// <summary>The socket systemd listens on for a notify service's messages.</summary>
    private sealed class NotifySocket : IDisposable
    {
        private readonly Socket socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public NotifySocket(string path)
        {
            Path = path;
            socket.Bind(new UnixDomainSocketEndPoint(path));
        }

        public string Path { get; }

        /// <summary>Waits for the next message; fails early if the program exits first.</summary>
        public async Task<string> ReceiveAsync(TimeSpan timeout, QuorumProgram program)
        {
            using var deadline = new CancellationTokenSource(timeout);
            var buffer = new byte[4096];
            var receive = socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).AsTask();
            while (!receive.IsCompleted)
            {
                if (program.HasExited && !receive.IsCompleted)
                {
                    // A message sent just before exiting is already queued on the socket.
                    await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
                    if (!receive.IsCompleted)
                        throw new InvalidOperationException($"quorum exited with code {program.ExitCode} before telling systemd anything:\n{program.Output}");
                }

                await Task.WhenAny(receive, Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None));
            }

            return Encoding.UTF8.GetString(buffer, 0, await receive).Trim();
        }

        public void Dispose() => socket.Dispose();
    }
}
