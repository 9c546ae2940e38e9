using System.Diagnostics;
using System.Globalization;
using Quorum.Client;

namespace Quorum.Chaos.Cluster;

/// <summary>
/// One Quorum node of a run: its own address (127.0.0.(i+1)), its own uid (10000+i, so the
/// firewall can tell its packets apart), its own data directory and log file.
/// </summary>
internal sealed class ChaosNode : IAsyncDisposable
{
    private readonly string program;
    private readonly IReadOnlyList<string> extraArgs;
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly StreamWriter log;
    private readonly Lock logGate = new();
    private Process? process;

    public ChaosNode(int index, string workDirectory, string program, IReadOnlyList<string> extraArgs, IReadOnlyDictionary<string, string> environment)
    {
        Index = index;
        this.program = program;
        this.extraArgs = extraArgs;
        this.environment = environment;
        Home = Path.Combine(workDirectory, Id);
        DataDirectory = Path.Combine(Home, "data");
        Directory.CreateDirectory(DataDirectory);
        Shell.Check("chown", "-R", $"{Uid}:{Uid}", Home);
        LogPath = Path.Combine(workDirectory, Id + ".log");
        log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) }) { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(5) };
        Client = new QuorumClient(Http);
    }

    public int Index { get; }

    public string Id => $"n{Index}";

    public int Uid => 10000 + Index;

    public string Address => $"127.0.0.{Index + 1}";

    public string HttpUrl => $"http://{Address}:8080";

    public string Home { get; }

    public string DataDirectory { get; }

    public string LogPath { get; }

    /// <summary>Gets a client for the runner's own checks (status, leadership, final reads); workloads use their own.</summary>
    public HttpClient Http { get; }

    public QuorumClient Client { get; }

    public bool IsRunning => process is { HasExited: false };

    public bool IsPaused { get; private set; }

    /// <summary>Starts the node; <paramref name="join"/> is the URL of a member to join through, for a node with no data.</summary>
    public void Start(string? join = null)
    {
        if (IsRunning)
            throw new InvalidOperationException($"{Id} is already running.");

        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args =
        [
            $"--reuid={Uid}", $"--regid={Uid}", "--clear-groups",
            "dotnet", program, "serve",
            "--node-id", Id,
            "--data-dir", DataDirectory,
            "--raft-address", Address,
            "--http-address", Address,
            .. extraArgs,
            .. join is null ? [] : new[] { "--join", join },
        ];
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

        info.Environment["HOME"] = Home;
        info.Environment["DOTNET_CLI_HOME"] = Home;
        foreach (var (name, value) in environment)
            info.Environment[name] = value;

        process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Id}.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        IsPaused = false;
    }

    /// <summary>Kills the node with SIGKILL.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }

        IsPaused = false;
    }

    /// <summary>Stops the node with SIGTERM, killing it if it does not exit in time.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process is not { HasExited: false } p)
            return;

        Resume();
        Signal("TERM");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Pauses the node with SIGSTOP.</summary>
    public void Pause()
    {
        if (IsRunning && !IsPaused)
        {
            Signal("STOP");
            IsPaused = true;
        }
    }

    /// <summary>Resumes a paused node with SIGCONT.</summary>
    public void Resume()
    {
        if (IsRunning && IsPaused)
        {
            Signal("CONT");
            IsPaused = false;
        }
    }

    /// <summary>Gets the node's status, or <see langword="null"/> when it does not answer.</summary>
    public async Task<NodeStatus?> StatusAsync()
    {
        if (!IsRunning || IsPaused)
            return null;

        try
        {
            return await Client.GetStatusAsync();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or QuorumClientException)
        {
            return null;
        }
    }

    /// <summary>Gets the last lines of the node's log.</summary>
    public string Tail(int lines)
    {
        lock (logGate)
            log.Flush();
        using var reader = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return string.Join('\n', new StreamReader(reader).ReadToEnd().Split('\n').TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } p)
        {
            Resume();
            p.Kill();
            await p.WaitForExitAsync();
        }

        process?.Dispose();
        Client.Dispose();
        Http.Dispose();
        lock (logGate)
            log.Dispose();
    }

    private void Signal(string signal)
    {
        if (process is { HasExited: false } p)
            Shell.Run("kill", "-" + signal, p.Id.ToString(CultureInfo.InvariantCulture));
    }

    private void Append(string? line)
    {
        if (line is null)
            return;

        lock (logGate)
            log.WriteLine(line);
    }
}
