using System.Diagnostics;
using System.Globalization;

namespace Quorum.Chaos.Cluster;

/// <summary>
/// A node's data directory as a quorum-faultfs mount (tests/faultfs): a disk whose writes survive a
/// crash only once fsync'd or msync'd. <see cref="CrashAsync"/> drops what was not synced, as a power
/// cut would. The daemon runs in the runner's own mount namespace (which <c>ip netns exec</c> gave it),
/// so the mount goes when the runner does.
/// </summary>
internal sealed class FaultFsDisk : IAsyncDisposable
{
    private const string ControlName = ".quorum-faultfs";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string program;
    private readonly string backing;
    private Process? daemon;

    private FaultFsDisk(string program, string backing, string mountPoint)
    {
        this.program = program;
        this.backing = backing;
        MountPoint = mountPoint;
    }

    /// <summary>Gets the mounted directory: the node's data directory.</summary>
    public string MountPoint { get; }

    private string ControlFile => Path.Combine(MountPoint, ControlName);

    /// <summary>
    /// Builds quorum-faultfs from the repository's tests/faultfs (make; it needs gcc, pkg-config and
    /// libfuse3-dev) and returns the program's path.
    /// </summary>
    public static string Build()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var source = Path.Combine(directory.FullName, "tests", "faultfs");
            if (File.Exists(Path.Combine(source, "Makefile")))
            {
                Shell.Check("make", "-s", "-C", source);
                return Path.Combine(source, "quorum-faultfs");
            }
        }

        throw new InvalidOperationException("tests/faultfs not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Mounts an empty disk at <paramref name="mountPoint"/>, kept in <paramref name="backing"/> (which may itself be a small tmpfs).</summary>
    public static async Task<FaultFsDisk> MountAsync(string program, string backing, string mountPoint)
    {
        Directory.CreateDirectory(backing);
        var disk = new FaultFsDisk(program, backing, mountPoint);
        await disk.StartAsync();
        return disk;
    }

    /// <summary>
    /// Drops everything not synced and mounts the disk again with only what was. Kill the node
    /// first, as a power cut would. Killing the daemon ends the FUSE connection in every mount
    /// namespace, and the unmount takes the kernel's cached pages with it.
    /// </summary>
    /// <returns>How many files and name changes the crash dropped.</returns>
    public async Task<(long Files, long NameChanges)> CrashAsync()
    {
        var before = Counters();
        await File.WriteAllTextAsync(ControlFile, "crash");
        var after = Counters();
        daemon!.Kill();
        await daemon.WaitForExitAsync();
        await UnmountAsync(lazy: false);
        await StartAsync();
        return (after["dropped-files"] - before["dropped-files"], after["dropped-name-changes"] - before["dropped-name-changes"]);
    }

    /// <summary>Reads the file system's counters (fsyncs, bytes synced, what crashes dropped).</summary>
    public IReadOnlyDictionary<string, long> Counters()
        => File.ReadAllLines(ControlFile)
            .Select(static line => line.Split(' '))
            .ToDictionary(static parts => parts[0], static parts => long.Parse(parts[1], CultureInfo.InvariantCulture));

    /// <summary>Unmounts lazily (should a node still use it) and stops the daemon.</summary>
    public async ValueTask DisposeAsync()
    {
        if (daemon is { HasExited: false })
        {
            Shell.Run("fusermount3", "-u", "-z", MountPoint);
            daemon.Kill();
            await daemon.WaitForExitAsync();
        }

        daemon?.Dispose();
    }

    private async Task StartAsync()
    {
        daemon?.Dispose();

        // allow_other: the node runs under a uid of its own. Output is discarded (it is a line per
        // crash); a daemon that dies is seen by the wait below or by the node's own errors.
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-f", "-o", "allow_other", backing, MountPoint])
            info.ArgumentList.Add(arg);
        daemon = Process.Start(info) ?? throw new InvalidOperationException("Could not start quorum-faultfs.");
        daemon.OutputDataReceived += static (_, _) => { };
        daemon.ErrorDataReceived += static (_, _) => { };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();

        // The control file exists only inside the mounted file system.
        await Wait.UntilAsync(
            () => daemon.HasExited
                ? throw new InvalidOperationException($"quorum-faultfs exited with code {daemon.ExitCode} mounting {MountPoint}")
                : Task.FromResult(File.Exists(ControlFile)),
            Timeout,
            $"quorum-faultfs to mount {MountPoint}");
    }

    private async Task UnmountAsync(bool lazy)
    {
        // The node was killed a moment ago; the kernel may still be releasing its files (EBUSY).
        await Wait.UntilAsync(
            () => Task.FromResult(Shell.Run("fusermount3", lazy ? ["-u", "-z", MountPoint] : ["-u", MountPoint]).ExitCode == 0),
            Timeout,
            $"{MountPoint} to unmount");
    }
}
