using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum watch [PREFIX] [--from N] [--json]</c>: prints every change under a prefix as it
/// happens, one line each, <c>REVISION&lt;tab&gt;put&lt;tab&gt;KEY&lt;tab&gt;VALUE</c> (see
/// <see cref="ValueText"/>) or <c>REVISION&lt;tab&gt;delete&lt;tab&gt;KEY</c>, or the contract's
/// event data with <c>--json</c>; from revision N when given, else from now on. It runs until
/// Ctrl-C or SIGTERM, then exits 0. When the member serving it goes away, the watch resumes on
/// another one without missing or repeating a change.
/// </summary>
internal static class WatchVerb
{
    private static readonly Argument<string?> Prefix = VerbSymbols.Optional("PREFIX", "watch the keys that start with it (default: every key)");
    private static readonly Option<long?> From = VerbSymbols.Number("--from", 1, "start at revision N (default: from now on)");
    private static readonly Option<bool> Json = VerbSymbols.Switch("--json", "print each event's JSON");

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => ClientVerbs.Create("watch", "Print each change under PREFIX, one per line, until Ctrl-C (exit 0).", [Prefix, From, Json], RunAsync);

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        var prefix = arguments.GetValue(Prefix) ?? string.Empty;
        var from = arguments.GetValue(From);
        var json = arguments.GetValue(Json);
        var output = session.Console.Out;
        try
        {
            await foreach (var change in session.Client.WatchAsync(prefix, from, token))
            {
                var revision = change.Revision.ToString(CultureInfo.InvariantCulture);
                if (json)
                    await output.WriteLineAsync(JsonSerializer.Serialize(new EventLine(change.Type == WatchEventType.Put ? "put" : "delete", change.Key, change.Value, change.Revision), CliJson.Output.EventLine));
                else if (change.Type == WatchEventType.Put)
                    await output.WriteLineAsync($"{revision}\tput\t{change.Key}\t{ValueText.Show(change.Value ?? [])}");
                else
                    await output.WriteLineAsync($"{revision}\tdelete\t{change.Key}");

                await output.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Ctrl-C: the way a watch is meant to end.
        }

        return ExitCodes.Success;
    }
}
