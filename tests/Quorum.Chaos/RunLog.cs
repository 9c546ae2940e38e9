using System.Diagnostics;

namespace Quorum.Chaos;

/// <summary>
/// The runner's own log: one line per event, stamped with the time since the run began, kept in
/// <c>run.log</c> in the work directory and echoed to the console only when asked.
/// </summary>
internal static class RunLog
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static readonly Lock Gate = new();
    private static StreamWriter? file;
    private static bool echo = true;

    /// <summary>Starts writing to a file; <paramref name="toConsole"/> keeps the console echo.</summary>
    public static void Open(string path, bool toConsole)
    {
        lock (Gate)
        {
            file = new StreamWriter(path, append: true) { AutoFlush = true };
            echo = toConsole;
        }
    }

    /// <summary>Writes a line.</summary>
    public static void Write(string message)
    {
        // The wall-clock time too, to line the run's log up with the nodes' logs.
        var line = $"[{Clock.Elapsed.TotalSeconds,7:0.0}s {DateTime.UtcNow:HH:mm:ss.fff}] {message}";
        lock (Gate)
        {
            file?.WriteLine(line);
            if (echo)
                Console.Out.WriteLine(line);
        }
    }
}
