using Quorum.Client;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>One real <c>quorum serve</c> node on loopback, with its own ports and data directory, that can be stopped, killed, paused and started again.</summary>
internal sealed class QuorumNode : IAsyncDisposable
{
    private readonly List<string> earlierOutput = [];
    private QuorumProgram? program;

    /// <summary>Initializes a new instance of the <see cref="QuorumNode"/> class.</summary>
    /// <param name="id">The node ID.</param>
    /// <param name="dataDirectory">Its data directory.</param>
    /// <param name="tls">How the test's clients speak HTTPS to it; <see langword="null"/> for plain HTTP.</param>
    public QuorumNode(string id, string dataDirectory, ClientTls? tls = null)
    {
        Id = id;
        Tls = tls;
        DataDirectory = dataDirectory;
        HttpPort = Ports.Next();
        RaftPort = Ports.Next();
        (Http, Client) = CreateClients();
    }

    public string Id { get; }

    public string DataDirectory { get; }

    public int HttpPort { get; private set; }

    public int RaftPort { get; }

    /// <summary>Gets how the test's clients speak HTTPS to this node, or <see langword="null"/> for plain HTTP.</summary>
    public ClientTls? Tls { get; }

    public string HttpUrl => $"{(Tls is null ? "http" : "https")}://127.0.0.1:{HttpPort}";

    public string RaftAddress => $"127.0.0.1:{RaftPort}";

    /// <summary>Gets an HTTP client whose base address is this node, for checking raw responses.</summary>
    public HttpClient Http { get; private set; }

    /// <summary>Gets the typed client for this node.</summary>
    public QuorumClient Client { get; private set; }

    public bool IsRunning => program is { HasExited: false };

    /// <summary>Gets everything this node printed, over all its runs.</summary>
    public string Log => string.Join('\n', [.. earlierOutput, program?.Output ?? string.Empty]);

    /// <summary>Starts the process with this node's ports, data directory and ID, plus <paramref name="extraArgs"/>.</summary>
    public void Start(params string[] extraArgs)
    {
        if (IsRunning)
            throw new InvalidOperationException($"Node {Id} is already running.");

        if (program is not null)
            earlierOutput.Add(program.Output);

        program = QuorumProgram.Start(
        [
            "serve",
            "--node-id", Id,
            "--data-dir", DataDirectory,
            "--http-port", HttpPort.ToString(),
            "--raft-port", RaftPort.ToString(),
            .. extraArgs,
        ]);
    }

    /// <summary>Moves this (stopped) node to a new HTTP port, for when it is next started.</summary>
    public void MoveToNewHttpPort()
    {
        if (IsRunning)
            throw new InvalidOperationException($"Stop node {Id} first.");

        Client.Dispose();
        Http.Dispose();
        HttpPort = Ports.Next();
        (Http, Client) = CreateClients();
    }

    /// <summary>Waits until the HTTP API answers.</summary>
    public Task WaitUntilServingAsync(TimeSpan timeout)
        => Eventually.UntilAsync(
            async () =>
            {
                if (!IsRunning)
                    throw new InvalidOperationException($"Node {Id} exited with code {program?.ExitCode}:\n{Log}");
                using var response = await Http.GetAsync("/");
                return response.IsSuccessStatusCode;
            },
            timeout,
            $"node {Id} to serve HTTP");

    /// <summary>Sends SIGTERM and waits for the process to exit.</summary>
    /// <returns>The exit code.</returns>
    public Task<int> StopAsync(TimeSpan timeout) => Running.StopAsync(timeout);

    /// <summary>Waits for the process to exit by itself.</summary>
    /// <returns>The exit code.</returns>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => (program ?? throw new InvalidOperationException($"Node {Id} was never started.")).WaitForExitAsync(timeout);

    /// <summary>Kills the process with SIGKILL, as a crash would.</summary>
    public void Kill() => program?.Kill();

    /// <summary>Pauses the process with SIGSTOP.</summary>
    public void Pause() => Signals.Send(Running.Id, Signals.Stop);

    /// <summary>Resumes a paused process with SIGCONT.</summary>
    public void Resume() => Signals.Send(Running.Id, Signals.Continue);

    public async ValueTask DisposeAsync()
    {
        if (program is not null)
            await program.DisposeAsync();
        Client.Dispose();
        Http.Dispose();
    }

    private QuorumProgram Running => program is { HasExited: false } running ? running : throw new InvalidOperationException($"Node {Id} is not running.");

    private (HttpClient Http, QuorumClient Client) CreateClients()
    {
        var http = new HttpClient(Tls?.CreateHandler() ?? new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(30) };
        return (http, new QuorumClient(http));
    }
}
