using System.Diagnostics;
using System.Globalization;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>POSIX signals to node processes: SIGTERM for a graceful stop, SIGSTOP/SIGCONT to pause.</summary>
internal static class Signals
{
    public const int Terminate = 15;
    public const int Stop = 19;
    public const int Continue = 18;

    public static void Send(int pid, int signal)
    {
        // The kill command rather than a P/Invoke: test projects stay free of unsafe code (the
        // source-generated marshalling needs it), and a signal costs a process start here, not in a hot loop.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal.ToString(CultureInfo.InvariantCulture), pid.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardError = true })!;
        var error = kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} {pid} failed: {error.Trim()}");
    }
}
