using System.Diagnostics;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// A small filesystem of its own (a tmpfs, root only) mounted at a folder, such as a node's data
/// directory before the node first starts, that a test can fill to the last byte with a ballast
/// file and free again. Unmounted on dispose; dispose it after the node using it has stopped.
/// </summary>
internal sealed class SmallDisk : IAsyncDisposable
{
    private readonly string ballast;

    private SmallDisk(string path)
    {
        Path = path;
        ballast = System.IO.Path.Combine(path, "ballast");
    }

    /// <summary>Gets the folder the filesystem is mounted at.</summary>
    public string Path { get; }

    /// <summary>Gets the free space on the filesystem.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MiB at <paramref name="path"/> (created if missing; it must be empty).</summary>
    public static async Task<SmallDisk> MountAsync(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0755", "tmpfs", path);
        return new SmallDisk(path);
    }

    /// <summary>Takes every free byte but <paramref name="leaveFree"/> with ballast files (allocated, not sparse), as another program filling the disk would.</summary>
    public void Fill(long leaveFree = 0)
    {
        // The node may write meanwhile: allocate what is free now, then again what is left.
        for (var i = 0; FreeBytes > leaveFree && i < 10; i++)
        {
            try
            {
                var name = $"{ballast}.{i}";
                using var file = File.OpenHandle(name, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, preallocationSize: FreeBytes - leaveFree);
            }
            catch (IOException)
            {
                // Less was free by the time the allocation ran: try again with what is free now.
            }
        }
    }

    /// <summary>Deletes the ballast, giving its space back.</summary>
    public void Free()
    {
        foreach (var file in Directory.EnumerateFiles(Path, "ballast.*"))
            File.Delete(file);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // Lazily: a node killed a moment ago may not have closed its files yet.
        await RunAsync("umount", "--lazy", Path);
        try
        {
            Directory.Delete(Path, recursive: true);

            // The cluster's folder, which it could not delete while this was mounted in it; only once empty.
            Directory.Delete(System.IO.Path.GetDirectoryName(Path)!);
        }
        catch (IOException)
        {
        }
    }

    private static async Task RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
    }
}

/// <summary>A fact that needs root (to mount a small filesystem); skipped, saying so, otherwise.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="MountFactAttribute"/> class.</summary>
    public MountFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "Needs root: it mounts a small tmpfs for a node's data directory; run the tests as root, as CI does.";
    }
}
