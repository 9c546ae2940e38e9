using System.Runtime.InteropServices;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// Runs the client verbs (<c>get</c>, <c>put</c>, <c>del</c>, <c>ls</c>, <c>watch</c>, <c>txn</c>):
/// parses the verb's command line, connects to the members, runs it until done or Ctrl-C, and turns
/// what the server refused into a message on standard error and an exit code (see <see cref="ExitCodes"/>).
/// </summary>
internal static class ClientVerbs
{
    private static readonly ClientVerb[] Verbs = [GetVerb.Definition, PutVerb.Definition, DeleteVerb.Definition, ListVerb.Definition, WatchVerb.Definition, TxnVerb.Definition];

    /// <summary>Finds a verb by name.</summary>
    /// <param name="name">The name, such as <c>get</c>.</param>
    /// <returns>The verb, or <see langword="null"/> when there is none by that name.</returns>
    public static ClientVerb? Find(string name) => Array.Find(Verbs, v => v.Name == name);

    /// <summary>Runs a verb.</summary>
    /// <param name="verb">The verb.</param>
    /// <param name="args">The arguments after it.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="UsageException">The command line is malformed.</exception>
    /// <exception cref="ConfigurationException"><c>QUORUM_ENDPOINTS</c> is malformed.</exception>
    public static async Task<int> RunAsync(ClientVerb verb, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(verb);
        var arguments = VerbArguments.Parse(verb.Name, args, [.. verb.ValueFlags, ClientEndpoints.Flag], [.. verb.Switches, "--help", "-h"]);
        if (arguments.Has("--help") || arguments.Has("-h"))
        {
            await Console.Out.WriteAsync(ClientHelp.Text);
            return ExitCodes.Success;
        }

        var endpoints = ClientEndpoints.Read(arguments, Environment.GetEnvironmentVariable);

        // The first Ctrl-C (or SIGTERM) cancels the verb, which then ends cleanly; a second one,
        // should something not heed the first, ends the process at once.
        using var stopping = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        using var client = new QuorumClient(endpoints);
        await using var console = CliConsole.Open();
        try
        {
            return await verb.RunAsync(arguments, new ClientSession(client, console), stopping.Token);
        }
        catch (QuorumClientException e)
        {
            var (code, message) = Describe(e);
            await console.Error.WriteLineAsync($"quorum: {message}");
            return code;
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            await console.Error.WriteLineAsync($"quorum: could not reach {string.Join(", ", endpoints)}: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (HttpRequestException e)
        {
            await console.Error.WriteLineAsync($"quorum: the connection to the server broke ({e.Message}); if this was a write, it may or may not have been applied.");
            return ExitCodes.OutcomeUnknown;
        }
        catch (IOException e)
        {
            // Standard output or input failed, such as a pipe whose reader has gone (quorum ls | head).
            await console.Error.WriteLineAsync($"quorum: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (InputException e)
        {
            await console.Error.WriteLineAsync($"quorum: {verb.Name}: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("quorum: interrupted; if this was a write, it may or may not have been applied.");
            return ExitCodes.Interrupted;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = !stopping.IsCancellationRequested;
            stopping.Cancel();
        }
    }

    private static (int Code, string Message) Describe(QuorumClientException e) => e switch
    {
        { IsPreconditionFailed: true } => (ExitCodes.PreconditionFailed, $"{e.Message} (current revision: {e.Revision ?? 0})"),
        { IsRetryable: true } => (ExitCodes.Unavailable, e.Message),
        { IsOutcomeUnknown: true } => (ExitCodes.OutcomeUnknown, e.Message),
        _ => (ExitCodes.Failed, $"{e.Message} (HTTP {(int)e.StatusCode})"),
    };
}
