using System.CommandLine;
using System.Runtime.InteropServices;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// The client verbs (<c>get</c>, <c>put</c>, <c>del</c>, <c>ls</c>, <c>watch</c>, <c>txn</c>): each
/// verb's command, once System.CommandLine has parsed it, connects to the members, runs until done or
/// Ctrl-C, and turns what the server refused into a message on standard error and an exit code (see
/// <see cref="ExitCodes"/>).
/// </summary>
internal static class ClientVerbs
{
    /// <summary>Creates every verb's command.</summary>
    /// <returns>The commands, in the order help lists them.</returns>
    public static IEnumerable<Command> CreateAll() =>
        [GetVerb.Create(), PutVerb.Create(), DeleteVerb.Create(), ListVerb.Create(), WatchVerb.Create(), TxnVerb.Create(), UserVerb.Create(), RoleVerb.Create(), AuthVerb.Create(), SnapshotVerb.Create(), StatusVerb.Create()];

    /// <summary>Creates a verb's command: its arguments, its flags and <c>--endpoints</c>, and an action that runs it.</summary>
    /// <param name="name">The verb, such as <c>get</c>.</param>
    /// <param name="description">What it does, for help.</param>
    /// <param name="symbols">Its arguments and flags.</param>
    /// <param name="runAsync">Runs the verb and returns its exit code; errors from the server are thrown as they are, to be reported here.</param>
    /// <returns>The command.</returns>
    public static Command Create(string name, string description, IEnumerable<Symbol> symbols, Func<ParseResult, ClientSession, CancellationToken, Task<int>> runAsync)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            if (symbol is Argument argument)
                command.Arguments.Add(argument);
            else
                command.Options.Add((Option)symbol);
        }

        command.Options.Add(ClientEndpoints.Flag);
        foreach (var option in ClientCredentials.All)
            command.Options.Add(option);
        command.SetAction((result, _) => RunAsync(name, result, runAsync));
        return command;
    }

    private static async Task<int> RunAsync(string verb, ParseResult result, Func<ParseResult, ClientSession, CancellationToken, Task<int>> runAsync)
    {
        var endpoints = ClientEndpoints.Read(result, Environment.GetEnvironmentVariable);
        var options = ClientCredentials.Read(result, Environment.GetEnvironmentVariable);

        // The first Ctrl-C (or SIGTERM) cancels the verb, which then ends cleanly; a second one,
        // should something not heed the first, ends the process at once.
        using var stopping = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        using var client = new QuorumClient(endpoints, options);
        await using var console = CliConsole.Open();
        try
        {
            return await runAsync(result, new ClientSession(client, console, options), stopping.Token);
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
            await console.Error.WriteLineAsync($"quorum: {verb}: {e.Message}");
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
