using System.Diagnostics;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// One mount of <c>quorum-faultfs</c> (tests/faultfs): a directory whose writes survive a crash only
/// once fsync'd (or msync'd). <see cref="CrashAsync"/> drops everything unsynced and drops the
/// kernel's page cache by unmounting, as a power cut would; the mount then comes back with only what
/// was synced.
/// </summary>
internal sealed class FaultFsMount : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<string> Program = new(Build);

    private readonly string backing;
    private readonly string[] options;
    private readonly List<string> earlierOutput = [];
    private Process? daemon;
    private ProcessOutput? output;

    private FaultFsMount(string mountPoint, string backing, string[] options)
    {
        MountPoint = mountPoint;
        this.backing = backing;
        this.options = options;
    }

    /// <summary>Gets the mounted directory.</summary>
    public string MountPoint { get; }

    /// <summary>Gets everything the file system printed, over all its mounts.</summary>
    public string Log => string.Join('\n', [.. earlierOutput, output?.Text ?? string.Empty]);

    private string ControlFile => Path.Combine(MountPoint, ".quorum-faultfs");

    /// <summary>
    /// Mounts a new, empty file system at <paramref name="mountPoint"/> (created if missing), kept in
    /// <paramref name="backing"/>, with quorum-faultfs <paramref name="options"/> (such as <c>--fsync-delay-ms=20</c>).
    /// </summary>
    public static async Task<FaultFsMount> MountAsync(string mountPoint, string backing, params string[] options)
    {
        Directory.CreateDirectory(mountPoint);
        Directory.CreateDirectory(backing);
        var mount = new FaultFsMount(mountPoint, backing, options);
        await mount.StartAsync();
        return mount;
    }

    /// <summary>
    /// Crashes the file system: everything not synced is lost, later changes fail until it is mounted
    /// again, the kernel's cached pages go with the unmount, and it is mounted again with what was synced.
    /// Kill the processes that use it first, as a power cut would.
    /// </summary>
    public async Task CrashAsync()
    {
        await File.WriteAllTextAsync(ControlFile, "crash");

        // Killing the daemon ends the connection in every mount namespace. An unmount alone would not
        // end it while another namespace (one unshared by a concurrent test, say) holds a copy of the mount.
        daemon!.Kill();
        await WaitForExitAsync();
        await UnmountAsync(lazy: false);
        await StartAsync();
    }

    /// <summary>Reads the file system's counters (fsyncs, bytes synced, what the last crash dropped).</summary>
    public IReadOnlyDictionary<string, long> Counters()
        => File.ReadAllLines(ControlFile)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1]));

    /// <summary>Unmounts (lazily, should something still use it) and deletes the backing directory; idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (daemon is not null)
        {
            if (!daemon.HasExited)
            {
                await UnmountAsync(lazy: true);
                daemon.Kill(); // see CrashAsync: the unmount may leave the daemon serving another namespace
                await WaitForExitAsync();
            }

            daemon.Dispose();
            daemon = null;
        }

        try
        {
            Directory.Delete(backing, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Build()
    {
        var directory = Path.Combine(QuorumProgram.RepositoryRoot, "tests", "faultfs");
        var (exitCode, text) = Run("make", "-s", "-C", directory);
        if (exitCode != 0)
            throw new InvalidOperationException($"Building quorum-faultfs failed (it needs gcc, make, pkg-config and libfuse3-dev):\n{text}");
        return Path.Combine(directory, "quorum-faultfs");
    }

    private static (int ExitCode, string Output) Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    private async Task StartAsync()
    {
        if (output is not null)
            earlierOutput.Add(output.Text);
        daemon?.Dispose();

        // In the foreground, so the daemon is this test's child and its messages land in the log.
        var info = new ProcessStartInfo(Program.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args = ["-f", .. options, backing, MountPoint];
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        daemon = Process.Start(info) ?? throw new InvalidOperationException("Could not start quorum-faultfs.");
        output = new ProcessOutput(daemon);

        // The control file exists only inside the mounted file system.
        await Eventually.UntilAsync(
            () => daemon.HasExited
                ? throw new InvalidOperationException($"quorum-faultfs exited with code {daemon.ExitCode}:\n{Log}")
                : Task.FromResult(File.Exists(ControlFile)),
            Timeout,
            $"quorum-faultfs to mount {MountPoint}");
    }

    private async Task UnmountAsync(bool lazy)
    {
        // The node was killed a moment ago; the kernel may still be releasing its files (EBUSY).
        await Eventually.UntilAsync(
            () =>
            {
                var (exitCode, text) = Run("fusermount3", lazy ? ["-u", "-z", MountPoint] : ["-u", MountPoint]);
                return Task.FromResult(exitCode == 0 ? true : throw new IOException($"fusermount3 -u {MountPoint}: {text}"));
            },
            Timeout,
            $"{MountPoint} to unmount");
    }

    // Waits for the daemon's exit only. WaitForExitAsync would also wait for the end of its output
    // pipes, which another process may hold open for a while (one CI run timed out there after the
    // daemon had exited); the FUSE connection closes with the process, which is all a crash needs.
    private async Task WaitForExitAsync()
    {
        var daemon = this.daemon!;
        if (!await Task.Run(() => daemon.WaitForExit(Timeout)))
            throw new TimeoutException($"quorum-faultfs did not exit within {Timeout.TotalSeconds:0}s of SIGKILL.");
    }

    /// <summary>Collects a process's output lines as they come.</summary>
    private sealed class ProcessOutput
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

        public ProcessOutput(Process process)
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Text => string.Join('\n', lines);
    }
}
