using System.Runtime.InteropServices;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>POSIX signals to node processes: SIGTERM for a graceful stop, SIGSTOP/SIGCONT to pause.</summary>
internal static partial class Signals
{
    public const int Terminate = 15;
    public const int Stop = 19;
    public const int Continue = 18;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
