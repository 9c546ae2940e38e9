using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// Private network namespaces (root only): a process started through <see cref="NewNamespace"/>
/// gets a network of its own with nothing in it but a loopback interface, so every port of
/// 127.0.0.1 is free there whatever the host runs. Other processes join it through
/// <see cref="Join"/>, and this process reaches it over HTTP through <see cref="HttpClientInto"/>.
/// The namespace goes away with the last process in it.
/// </summary>
internal static partial class PrivateNetwork
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Gets a launcher (see <see cref="QuorumProgram.Start"/>) that runs its command in a new network namespace with the loopback up.</summary>
    public static IReadOnlyList<string> NewNamespace { get; } = ["unshare", "--net", "--", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh"];

    /// <summary>Gets a value indicating whether this process runs as root, which namespaces need.</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Gets a launcher that runs its command in the network namespace of process <paramref name="pid"/>.</summary>
    public static IReadOnlyList<string> Join(int pid) => ["nsenter", $"--target={pid}", "--net", "--"];

    /// <summary>
    /// Creates an HTTP client whose connections are made inside the network namespace of process
    /// <paramref name="pid"/>; a connection fails (and can be retried) while that process has not
    /// left this process's namespace yet.
    /// </summary>
    public static HttpClient HttpClientInto(int pid, Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, token) =>
            {
                var socket = SocketIn(pid);
                try
                {
                    await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    // A socket belongs to the network namespace of the thread that creates it: create it on a
    // thread of its own that has entered the target's namespace (setns changes the calling thread
    // only) and then ends.
    private static Socket SocketIn(int pid)
    {
        var path = $"/proc/{pid}/ns/net";
        if (new FileInfo(path).LinkTarget == new FileInfo("/proc/self/ns/net").LinkTarget)
            throw new InvalidOperationException($"Process {pid} is still in this process's network namespace.");

        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path);
                if (SetNamespace(handle, CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns({path}) failed: {Marshal.GetLastPInvokeErrorMessage()}");
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or SocketException)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"Could not open a socket in the network namespace of process {pid}.", error);
    }

    // DllImport, not LibraryImport: the generated marshalling needs unsafe code, which only
    // Quorum.Store.Native may have; a handle and an int marshal the same either way.
    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNamespace(SafeFileHandle fd, int type);
}

/// <summary>A fact that needs root (to create a network namespace); skipped, saying so, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="RootFactAttribute"/> class.</summary>
    public RootFactAttribute()
    {
        if (!PrivateNetwork.IsRoot)
            Skip = "Needs root: it runs a node in a private network namespace (unshare --net); run the tests as root, as CI does.";
    }
}
