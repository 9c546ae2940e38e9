using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>What one run of a <c>quorum</c> client verb printed, and how it exited.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the built <c>quorum</c> program's client verbs as real processes, with standard output and
/// standard error kept apart: to completion (<see cref="RunAsync"/>), or in the background for a
/// verb that runs until stopped, such as <c>watch</c> (<see cref="Start"/>).
/// </summary>
internal sealed class QuorumCli : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly ConcurrentQueue<string> stdout = new();
    private readonly ConcurrentQueue<string> stderr = new();

    private QuorumCli(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) stdout.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderr.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Gets the lines printed on standard output so far.</summary>
    public IReadOnlyList<string> StdoutLines => [.. stdout];

    /// <summary>Gets everything printed on standard error so far.</summary>
    public string Stderr => string.Join('\n', stderr);

    /// <summary>Runs a verb to completion, feeding it <paramref name="stdin"/> (or an empty standard input).</summary>
    /// <param name="args">The arguments, starting with the verb.</param>
    /// <param name="stdin">What to write to its standard input.</param>
    /// <param name="environment">Variables to set; <c>QUORUM_ENDPOINTS</c> is unset unless given here.</param>
    /// <param name="launcher">A command that runs the verb, its command line appended (such as <see cref="PrivateNetwork.Join"/>).</param>
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        using var process = Process.Start(StartInfo(args, environment, launcher)) ?? throw new InvalidOperationException("Could not start quorum.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin ?? string.Empty);
        process.StandardInput.Close();

        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"quorum {string.Join(' ', args)} still running after {Timeout.TotalSeconds}s: {await error}");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>Starts a verb in the background; its output is collected line by line.</summary>
    /// <param name="args">The arguments, starting with the verb.</param>
    public static QuorumCli Start(IEnumerable<string> args)
    {
        var process = Process.Start(StartInfo(args, environment: null, launcher: null)) ?? throw new InvalidOperationException("Could not start quorum.");
        process.StandardInput.Close();
        return new QuorumCli(process);
    }

    /// <summary>Sends a signal and waits for the process to exit.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(int signal, TimeSpan timeout)
    {
        if (!process.HasExited)
            Signals.Send(process.Id, signal);

        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        process.WaitForExit(); // drains the captured output
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, IReadOnlyList<string>? launcher)
    {
        var info = QuorumProgram.StartInfo(args, launcher);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.StandardInputEncoding = new UTF8Encoding(false);
        info.StandardOutputEncoding = new UTF8Encoding(false);
        info.StandardErrorEncoding = new UTF8Encoding(false);
        info.WorkingDirectory = Path.GetTempPath();

        info.Environment.Remove("QUORUM_ENDPOINTS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;

        return info;
    }
}
