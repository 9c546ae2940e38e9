using System.Globalization;

namespace Quorum.Chaos.Clocks;

/// <summary>
/// A node's wall clock, set off from the host's by Debian's libfaketime: the node runs with the
/// library preloaded, and the library reads the offset from a file of the node's own that
/// <see cref="Set"/> rewrites. Only the wall clock moves, as when NTP steps a clock or a VM migrates;
/// the monotonic clock is left alone (<c>FAKETIME_DONT_FAKE_MONOTONIC</c>).
/// </summary>
internal sealed class NodeClock
{
    // The library re-reads the file at most this often, so a step reaches the node within a second;
    // reading it on every clock call (FAKETIME_NO_CACHE) would cost a file open per timestamp.
    private const string CacheSeconds = "1";

    private NodeClock(string library, string file)
    {
        Library = library;
        File = file;
    }

    /// <summary>Gets the preloaded library (the thread-safe build, for the node's many threads).</summary>
    public string Library { get; }

    /// <summary>Gets the file the node's offset is read from.</summary>
    public string File { get; }

    /// <summary>Gets the node's offset from the host's wall clock, in seconds.</summary>
    public int OffsetSeconds { get; private set; }

    /// <summary>Gets the environment that puts a node on this clock.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["LD_PRELOAD"] = Library,
        ["FAKETIME_TIMESTAMP_FILE"] = File,
        ["FAKETIME_CACHE_DURATION"] = CacheSeconds,
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
    };

    /// <summary>Gets a value indicating whether libfaketime is installed, so nodes can run on clocks of their own.</summary>
    public static bool IsAvailable => FindLibrary() is not null;

    /// <summary>Creates a clock for the node whose home is <paramref name="home"/>, at no offset.</summary>
    /// <exception cref="InvalidOperationException">libfaketime is not installed.</exception>
    public static NodeClock Create(string home)
    {
        var library = FindLibrary() ?? throw new InvalidOperationException("Clock skew needs libfaketime (Debian package faketime): libfaketimeMT.so.1 was not found under /usr/lib/*-linux-gnu/faketime.");
        var clock = new NodeClock(library, Path.Combine(home, "clock-offset"));
        clock.Set(0);
        return clock;
    }

    /// <summary>Steps the node's wall clock to <paramref name="seconds"/> from the host's.</summary>
    public void Set(int seconds)
    {
        // Written beside and renamed over, so the library never reads a half-written offset.
        var next = File + ".next";
        System.IO.File.WriteAllText(next, (seconds < 0 ? string.Empty : "+") + seconds.ToString(CultureInfo.InvariantCulture) + "s\n");
        System.IO.File.Move(next, File, overwrite: true);
        OffsetSeconds = seconds;
    }

    // Debian installs it under the multiarch directory: /usr/lib/<triplet>/faketime/.
    private static string? FindLibrary()
        => Directory.Exists("/usr/lib")
            ? Directory.EnumerateDirectories("/usr/lib", "*-linux-gnu*")
                .Select(static d => Path.Combine(d, "faketime", "libfaketimeMT.so.1"))
                .FirstOrDefault(System.IO.File.Exists)
            : null;
}
