using System.CommandLine;
using System.Text.Json;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum txn [FILE|-]</c>: runs the transaction written in FILE (or standard input, when
/// <c>-</c> or left out) as the contract's JSON, and prints the answer as the contract's JSON on one
/// line: <c>{"succeeded":bool,"revision":R,"results":[{"key":K,"value":BASE64|null,"revision":N}]}</c>.
/// Exit code 0 when every compare held (the success branch ran), 5 when one did not (the failure branch ran).
/// </summary>
internal static class TxnVerb
{
    private static readonly Argument<string?> File = VerbSymbols.Optional("FILE", "the transaction's JSON; '-' or left out: standard input");

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => ClientVerbs.Create("txn", "Run the transaction in FILE and print the answer's JSON. Exit code 5 when a compare failed.", [File], RunAsync);

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        byte[] json;
        if (arguments.GetValue(File) is { } file and not "-")
        {
            try
            {
                json = await System.IO.File.ReadAllBytesAsync(file, token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException($"cannot read {file}: {e.Message}");
            }
        }
        else
        {
            json = await session.Console.ReadInputAsync(token);
        }

        var request = TxnInputReader.Read(json);
        var response = await session.Client.TxnAsync(request, token);
        var answer = new TxnAnswerLine(response.Succeeded, response.Revision, response.Results.Select(static r => new TxnResultLine(r.Key, r.Value, r.Revision)).ToList());
        await session.Console.Out.WriteLineAsync(JsonSerializer.Serialize(answer, CliJson.Output.TxnAnswerLine));
        return response.Succeeded ? ExitCodes.Success : ExitCodes.CompareFailed;
    }
}
