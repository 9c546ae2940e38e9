using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// Hands out loopback TCP ports for test nodes that no other test process is given and that no
/// outgoing connection can take before the node binds them.
/// </summary>
/// <remarks>
/// <para>
/// A port the kernel picked for a listener on port 0 is an ephemeral port: released again, it can
/// be handed to any outgoing connection (or another test process doing the same) before the node
/// binds it. So ports come from a range below the kernel's ephemeral range
/// (<c>/proc/sys/net/ipv4/ip_local_port_range</c>), which the kernel never hands out by itself.
/// </para>
/// <para>
/// Test processes run side by side (each test project is one), so each port is reserved across
/// processes by an advisory lock: an exclusive <c>flock</c> (what <see cref="FileShare.None"/> takes
/// on Linux) on <c>quorum-test-ports/PORT.lock</c> under the temp folder, held for the life of the
/// process and released by the kernel when it ends, however it ends. Lock files are never deleted:
/// deleting one while another process opens it would let two processes lock two different files
/// of the same name. A port is handed out only once it is locked and bindable now.
/// </para>
/// <para>
/// Compiled into every test project that starts nodes (see their project files), so they all
/// share the same reservations.
/// </para>
/// </remarks>
internal static class Ports
{
    private static readonly PortAllocator Shared = CreateShared();

    /// <summary>Gets the folder of the lock files that reserve ports across test processes.</summary>
    internal static string LockDirectory => Path.Combine(Path.GetTempPath(), "quorum-test-ports");

    /// <summary>Gets a port reserved for this process until it exits.</summary>
    public static int Next() => Shared.Next();

    /// <summary>
    /// The range to hand ports out of: 20000-32000 cut short below the ephemeral range, or, where
    /// the ephemeral range starts too low for that, the ports above it.
    /// </summary>
    internal static (int First, int Last) DefaultRange()
    {
        var (ephemeralFirst, ephemeralLast) = EphemeralRange();
        const int PreferredFirst = 20_000;
        const int PreferredLast = 32_000;
        const int Enough = 1_000;
        var last = Math.Min(PreferredLast, ephemeralFirst - 1);
        if (last - PreferredFirst + 1 >= Enough)
            return (PreferredFirst, last);
        if (IPEndPoint.MaxPort - ephemeralLast >= Enough)
            return (ephemeralLast + 1, IPEndPoint.MaxPort);

        throw new InvalidOperationException($"The ephemeral port range {ephemeralFirst}-{ephemeralLast} leaves no {Enough} ports for test nodes below 32000 or above it.");
    }

    /// <summary>Reads the kernel's ephemeral port range (Linux's default where it cannot be read).</summary>
    internal static (int First, int Last) EphemeralRange()
    {
        const string Setting = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(Setting))
            return (32_768, 60_999); // Linux's default

        var parts = File.ReadAllText(Setting).Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    // Each process starts at its own place in the range, so that side by side they seldom try the same ports.
    private static PortAllocator CreateShared()
    {
        var (first, last) = DefaultRange();
        var size = last - first + 1;
        var start = Environment.ProcessId % size;
        return new PortAllocator([.. Enumerable.Range(0, size).Select(i => first + ((start + i) % size))], LockDirectory);
    }
}

/// <summary>Reserves ports by lock files in a folder; see <see cref="Ports"/>.</summary>
/// <param name="candidates">The ports to hand out, in the order to try them.</param>
/// <param name="lockDirectory">Where the lock files are; every process sharing the ports must use the same folder.</param>
internal sealed class PortAllocator(IReadOnlyList<int> candidates, string lockDirectory)
{
    private readonly List<FileStream> held = [];
    private readonly HashSet<int> given = [];
    private int next;

    /// <summary>Reserves the next free candidate (locked by no process, bindable now) for the life of this process.</summary>
    public int Next()
    {
        lock (held)
        {
            Directory.CreateDirectory(lockDirectory);
            for (var tried = 0; tried < candidates.Count; tried++)
            {
                var port = candidates[next];
                next = (next + 1) % candidates.Count;
                if (given.Contains(port) || TryLock(port) is not { } reservation)
                    continue;

                if (!IsBindable(port))
                {
                    // Something outside the tests listens there (or still holds it): leave it.
                    reservation.Dispose();
                    continue;
                }

                held.Add(reservation);
                given.Add(port);
                return port;
            }

            throw new InvalidOperationException($"No free port left among {candidates.Count} (from {candidates.Min()} to {candidates.Max()}): every one is given, locked (under {lockDirectory}) or in use.");
        }
    }

    private static bool IsBindable(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private FileStream? TryLock(int port)
    {
        try
        {
            return new FileStream(Path.Combine(lockDirectory, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // locked by another process (or another open file of this one), or not ours to lock
        }
    }
}
