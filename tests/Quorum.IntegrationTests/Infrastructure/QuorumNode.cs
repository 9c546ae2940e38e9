using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Quorum.Client;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>One real <c>quorum serve</c> process on loopback, with its own ports and data directory.</summary>
internal sealed class QuorumNode : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> log = new();
    private Process? process;

    public QuorumNode(string id, string dataDirectory)
    {
        Id = id;
        DataDirectory = dataDirectory;
        HttpPort = Ports.Next();
        RaftPort = Ports.Next();
        (Http, Client) = CreateClients();
    }

    public string Id { get; }

    public string DataDirectory { get; }

    public int HttpPort { get; private set; }

    public int RaftPort { get; }

    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";

    public string RaftAddress => $"127.0.0.1:{RaftPort}";

    /// <summary>Gets an HTTP client whose base address is this node, for checking raw responses.</summary>
    public HttpClient Http { get; private set; }

    /// <summary>Gets the typed client for this node.</summary>
    public QuorumClient Client { get; private set; }

    public int? Pid => process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => process is { HasExited: false };

    public string Log => string.Join('\n', log);

    /// <summary>Gets the path of the built <c>quorum</c> program.</summary>
    public static string Program { get; } = FindProgram();

    /// <summary>Starts the process with this node's ports, data directory and ID, plus <paramref name="extraArgs"/>.</summary>
    public void Start(params string[] extraArgs)
    {
        if (IsRunning)
            throw new InvalidOperationException($"Node {Id} is already running.");

        string[] args =
        [
            "serve",
            "--node-id", Id,
            "--data-dir", DataDirectory,
            "--http-port", HttpPort.ToString(),
            "--raft-port", RaftPort.ToString(),
            .. extraArgs,
        ];
        process = StartProgram(args, workingDirectory: null, environment: null, log);
    }

    /// <summary>Starts the program with exactly these arguments, for tests of the command line itself.</summary>
    public static Process StartProgram(IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? environment, ConcurrentQueue<string> output)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add(Program);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

        // The node-configuration variables of the test runner must not leak into the nodes.
        foreach (var variable in new[] { "PORT", "STORAGE_PATH", "RAFT_ADDRESS", "RAFT_PORT", "RAFT_LEADER", "HTTP_ADDRESS", "NODE_ID", "ADVERTISE_RAFT", "ADVERTISE_HTTP" })
            info.Environment.Remove(variable);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;

        var started = Process.Start(info) ?? throw new InvalidOperationException("Could not start quorum.");
        started.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        started.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        return started;
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
                    throw new InvalidOperationException($"Node {Id} exited with code {process?.ExitCode}:\n{Log}");
                using var response = await Http.GetAsync("/");
                return response.IsSuccessStatusCode;
            },
            timeout,
            $"node {Id} to serve HTTP");

    /// <summary>Sends SIGTERM and waits for the process to exit.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        var p = process ?? throw new InvalidOperationException($"Node {Id} was never started.");
        if (!p.HasExited)
            Signals.Send(p.Id, Signals.Terminate);

        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return p.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL, as a crash would.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    /// <summary>Pauses the process with SIGSTOP.</summary>
    public void Pause() => Signals.Send(Pid ?? throw new InvalidOperationException($"Node {Id} is not running."), Signals.Stop);

    /// <summary>Resumes a paused process with SIGCONT.</summary>
    public void Resume() => Signals.Send(Pid ?? throw new InvalidOperationException($"Node {Id} is not running."), Signals.Continue);

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } p)
        {
            try
            {
                Signals.Send(p.Id, Signals.Continue);
            }
            catch (InvalidOperationException)
            {
            }

            p.Kill();
            await p.WaitForExitAsync();
        }

        process?.Dispose();
        Client.Dispose();
        Http.Dispose();
    }

    private (HttpClient Http, QuorumClient Client) CreateClients()
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(30) };
        return (http, new QuorumClient(http));
    }

    private static string FindProgram()
    {
        var configuration = typeof(QuorumNode).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Quorum.slnx")))
            {
                var program = Path.Combine(directory.FullName, "src", "Quorum", "bin", configuration, "net10.0", "quorum.dll");
                return File.Exists(program) ? program : throw new FileNotFoundException($"Build src/Quorum first: {program} is missing.");
            }
        }

        throw new DirectoryNotFoundException("Could not find the repository root (Quorum.slnx) above the test binaries.");
    }
}
