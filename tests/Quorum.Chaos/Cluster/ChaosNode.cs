using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Quorum.Chaos.Clocks;
using Quorum.Client;

namespace Quorum.Chaos.Cluster;

/// <summary>
/// One Quorum node of a run: its own address (127.0.0.(i+1)), its own uid (so the firewall can tell
/// its packets apart), its own data directory and log file. Every signal it is sent is checked to
/// have taken effect, and every exit it did not ask for is recorded.
/// </summary>
internal sealed class ChaosNode : IAsyncDisposable
{
    /// <summary>What <see cref="Process.ExitCode"/> reports for a process killed by SIGKILL (128 + 9).</summary>
    public const int KilledExitCode = 137;

    private const string FaultFsBacking = "disk";
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(5);

    private readonly string program;
    private readonly IReadOnlyList<string> extraArgs;
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly ChaosSecurity? security;
    private readonly bool raftProxy;
    private readonly StreamWriter log;
    private readonly Lock logGate = new();
    private readonly ConcurrentQueue<string> unexpectedExits = new();
    private readonly ConcurrentDictionary<int, bool> expectedExits = new();
    private Process? process;

    public ChaosNode(int index, int uid, string workDirectory, string program, IReadOnlyList<string> extraArgs, IReadOnlyDictionary<string, string> environment, bool skewClock = false, ChaosSecurity? security = null, bool raftProxy = true)
    {
        this.raftProxy = raftProxy;
        Index = index;
        this.security = security;
        Uid = uid;
        this.program = program;
        this.extraArgs = extraArgs;
        this.environment = environment;
        Home = Path.Combine(workDirectory, Id);
        DataDirectory = Path.Combine(Home, "data");
        Directory.CreateDirectory(DataDirectory);
        Shell.Check("chown", "-R", $"{Uid}:{Uid}", Home);
        Clock = skewClock ? NodeClock.Create(Home) : null;
        LogPath = Path.Combine(workDirectory, Id + ".log");
        log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) };
        Http = new HttpClient(security?.Trust(handler) ?? handler) { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(5) };

        // The runner's own checks and membership changes speak as root; while auth is off the header is ignored.
        if (security is not null)
            Http.DefaultRequestHeaders.Authorization = ChaosSecurity.Root;
        Client = new QuorumClient(Http);
    }

    public int Index { get; }

    public string Id => $"n{Index}";

    /// <summary>Gets the uid the node runs as: unused on the host, so a firewall rule on it matches this node alone.</summary>
    public int Uid { get; }

    public string Address => $"127.0.0.{Index + 1}";

    public string HttpUrl => $"{(security is null ? "http" : "https")}://{Address}:{HttpPort}";

    /// <summary>The HTTP port of every node; each node has an address of its own.</summary>
    public const int HttpPort = 8080;

    /// <summary>The Raft port of every node.</summary>
    public const int RaftPort = 8081;

    public string Home { get; }

    /// <summary>Gets the node's own wall clock, when the run skews clocks; <see langword="null"/> when the node keeps the host's.</summary>
    public NodeClock? Clock { get; }

    public string DataDirectory { get; }

    public string LogPath { get; }

    /// <summary>Gets a client for the runner's own checks (status, leadership, final reads); workloads use their own.</summary>
    public HttpClient Http { get; }

    public QuorumClient Client { get; }

    public bool IsRunning => process is { HasExited: false };

    public bool IsPaused { get; private set; }

    /// <summary>Gets the process ID of the running node, or 0.</summary>
    public int Pid => process is { HasExited: false } p ? p.Id : 0;

    /// <summary>Gets the exits the runner did not cause: a crash, or a stop it did not ask for.</summary>
    public IReadOnlyCollection<string> UnexpectedExits => unexpectedExits;

    /// <summary>Starts the node; <paramref name="join"/> is the URL of a member to join through, for a node with no data.</summary>
    public void Start(string? join = null)
    {
        if (IsRunning)
            throw new InvalidOperationException($"{Id} is already running.");

        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args =
        [
            $"--reuid={Uid}", $"--regid={Uid}", "--clear-groups",

            // The fake clock is preloaded only once setpriv has dropped to the node's uid: loaded
            // into setpriv, the library would make its shared memory as root, which the node
            // cannot then open.
            .. Clock is null ? Array.Empty<string>() : ["env", .. Clock.Environment.Select(static v => $"{v.Key}={v.Value}")],
            "dotnet", program, "serve",
            "--node-id", Id,
            "--data-dir", DataDirectory,
            "--raft-address", Address,
            "--raft-port", RaftPort.ToString(CultureInfo.InvariantCulture),

            // Peers dial the node's Raft proxy, through which the nemesis can delay its traffic.
            .. raftProxy ? ["--advertise-raft", $"{Address}:{Network.RaftProxies.Port.ToString(CultureInfo.InvariantCulture)}"] : Array.Empty<string>(),
            "--http-address", Address,
            "--http-port", HttpPort.ToString(CultureInfo.InvariantCulture),
            .. extraArgs,
            .. join is null ? [] : new[] { "--join", join },
        ];
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

        info.Environment["HOME"] = Home;
        info.Environment["DOTNET_CLI_HOME"] = Home;
        foreach (var (name, value) in environment)
            info.Environment[name] = value;

        var started = new Process { StartInfo = info, EnableRaisingEvents = true };
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.Exited += (_, _) => OnExited(started);
        if (!started.Start())
            throw new InvalidOperationException($"Could not start {Id}.");

        process?.Dispose();
        process = started;
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        IsPaused = false;
    }

    /// <summary>Empties the (stopped) node's data directory, as a replaced disk would be; the directory itself stays, since it may be a mount point.</summary>
    public void WipeData()
    {
        if (IsRunning)
            throw new InvalidOperationException($"Stop {Id} before wiping its data.");
        foreach (var entry in new DirectoryInfo(DataDirectory).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory)
                directory.Delete(recursive: true);
            else
                entry.Delete();
        }
    }

    /// <summary>
    /// Puts the node's data directory on a small disk of its own (a tmpfs of <paramref name="bytes"/>
    /// in the runner's own mount namespace, which `ip netns exec` gave it: the mount goes when the
    /// runner does), so that a nemesis can fill it.
    /// </summary>
    public void MountSmallDisk(long bytes)
    {
        MountTmpfs(DataDirectory, bytes);
        Shell.Check("chown", $"{Uid}:{Uid}", DataDirectory);
    }

    /// <summary>Gets the top of the disk the node's data directory is on, for a nemesis to fill: the data directory, or the backing directory of its quorum-faultfs disk.</summary>
    public string DiskRoot => Disk is null ? DataDirectory : Path.Combine(Home, FaultFsBacking);

    /// <summary>Gets the node's quorum-faultfs disk, when its data directory is one (see <see cref="MountFaultFsAsync"/>).</summary>
    public FaultFsDisk? Disk { get; private set; }

    /// <summary>
    /// Puts the node's data directory on a quorum-faultfs disk (<paramref name="program"/>), which a
    /// nemesis can crash so that what the node had not synced is lost; its backing directory is a
    /// small tmpfs of <paramref name="smallDiskBytes"/> when that is not 0, so a nemesis can fill it too.
    /// </summary>
    public async Task MountFaultFsAsync(string program, long smallDiskBytes)
    {
        var backing = Path.Combine(Home, FaultFsBacking);
        Directory.CreateDirectory(backing);
        if (smallDiskBytes > 0)
            MountTmpfs(backing, smallDiskBytes);
        Disk = await FaultFsDisk.MountAsync(program, backing, DataDirectory);
    }

    private static void MountTmpfs(string path, long bytes)
        => Shell.Check("mount", "-t", "tmpfs", "-o", $"size={bytes.ToString(CultureInfo.InvariantCulture)},mode=0700", "tmpfs", path);

    /// <summary>Kills the node with SIGKILL and checks that SIGKILL is what ended it.</summary>
    /// <returns>The PID of the process killed.</returns>
    public int Kill()
    {
        if (process is not { HasExited: false } p)
            throw new InvalidOperationException($"{Id} is not running, so it cannot be killed.");

        var pid = p.Id;
        expectedExits[pid] = true;
        p.Kill();
        p.WaitForExit();
        IsPaused = false;
        return p.ExitCode == KilledExitCode
            ? pid
            : throw new InvalidOperationException($"{Id} (pid {pid}) was sent SIGKILL but exited with code {p.ExitCode}.");
    }

    /// <summary>Stops the node with SIGTERM and waits for it to exit.</summary>
    /// <returns>The exit code: 0 for a clean stop.</returns>
    /// <exception cref="TimeoutException">The node did not stop in time (it is then killed).</exception>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (process is not { HasExited: false } p)
            throw new InvalidOperationException($"{Id} is not running, so it cannot be stopped.");

        Resume();
        expectedExits[p.Id] = true;
        Signal("TERM");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
            return p.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Id} did not stop within {timeout.TotalSeconds:0}s of SIGTERM and was killed.");
        }
    }

    /// <summary>Pauses the node with SIGSTOP and waits until the kernel reports it stopped.</summary>
    public async Task PauseAsync()
    {
        if (!IsRunning || IsPaused)
            throw new InvalidOperationException($"{Id} is not running, or already paused.");

        Signal("STOP");
        IsPaused = true;
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(ProcessState() == 'T'), SignalTimeout, $"{Id} to be stopped by SIGSTOP");
        }
        catch (TimeoutException)
        {
            Resume();
            throw;
        }
    }

    /// <summary>Resumes a paused node with SIGCONT and waits until the kernel reports it running again; does nothing for a node that is not paused.</summary>
    public async Task ResumeAsync()
    {
        if (!Resume())
            return;

        await Wait.UntilAsync(() => Task.FromResult(ProcessState() is not 'T'), SignalTimeout, $"{Id} to run again after SIGCONT");
    }

    /// <summary>Gets the node's status, or <see langword="null"/> when it does not answer.</summary>
    public async Task<NodeStatus?> StatusAsync()
    {
        if (!IsRunning || IsPaused)
            return null;

        return await ProbeAsync(Timeout.InfiniteTimeSpan);
    }

    /// <summary>Asks the node for its status over HTTP, whatever the runner believes of it, giving up after <paramref name="timeout"/>.</summary>
    /// <returns>The status, or <see langword="null"/> when no answer came.</returns>
    public async Task<NodeStatus?> ProbeAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await Client.GetStatusAsync(cts.Token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or QuorumClientException)
        {
            return null;
        }
    }

    /// <summary>Gets how many bytes of log the node has written so far, to read only what comes after.</summary>
    public long LogLength
    {
        get
        {
            lock (logGate)
            {
                log.Flush();
                return new FileInfo(LogPath).Length;
            }
        }
    }

    /// <summary>Reads the node's log from <paramref name="offset"/> (a <see cref="LogLength"/>) on.</summary>
    public string ReadLog(long offset = 0)
    {
        lock (logGate)
            log.Flush();
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Gets the last lines of the node's log.</summary>
    public string Tail(int lines) => string.Join('\n', ReadLog().Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } p)
        {
            expectedExits[p.Id] = true;
            Resume();
            p.Kill();
            await p.WaitForExitAsync();
        }

        process?.Dispose();
        if (Disk is not null)
            await Disk.DisposeAsync();
        Client.Dispose();
        Http.Dispose();
        lock (logGate)
            log.Dispose();
    }

    // Sends SIGCONT to a paused node; returns whether it was paused.
    private bool Resume()
    {
        if (!IsRunning || !IsPaused)
            return false;

        Signal("CONT");
        IsPaused = false;
        return true;
    }

    // The state letter of /proc/PID/stat ('T' while stopped by a signal), or '?' when the process is gone.
    private char ProcessState()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return '?';
        }
    }

    private void Signal(string signal)
    {
        var pid = Pid;
        if (pid == 0)
            throw new InvalidOperationException($"{Id} is not running, so it cannot be sent SIG{signal}.");

        Shell.Check("kill", "-" + signal, pid.ToString(CultureInfo.InvariantCulture));
    }

    private void OnExited(Process exited)
    {
        if (expectedExits.ContainsKey(exited.Id))
            return;

        int code;
        try
        {
            code = exited.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }

        var what = $"{Id} (pid {exited.Id}) exited by itself with code {code}";
        unexpectedExits.Enqueue(what);
        RunLog.Write("UNEXPECTED EXIT: " + what);
    }

    private void Append(string? line)
    {
        if (line is null)
            return;

        lock (logGate)
            log.WriteLine(line);
    }
}
