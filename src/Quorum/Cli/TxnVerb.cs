using System.CommandLine;
using System.Text.Json;
using Quorum.Contracts;
using Quorum.Contracts.Transactions;

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

        var response = await session.Client.TxnAsync(Read(json), token);
        await session.Console.Out.WriteLineAsync(JsonSerializer.Serialize(response, WireJson.Wire.TxnResponse));
        return response.Succeeded ? ExitCodes.Success : ExitCodes.CompareFailed;
    }

    // Checked here as the server checks it (the same code): a mistake is reported with where it is, before anything is sent.
    private static TxnRequest Read(byte[] json)
    {
        try
        {
            var body = JsonSerializer.Deserialize(json, WireJson.Wire.TxnBody) ?? throw new InputException("the transaction is null.");
            return body.ToRequest();
        }
        catch (JsonException e)
        {
            throw new InputException($"not a valid transaction: {e.Message}");
        }
        catch (TxnFormatException e)
        {
            throw new InputException(e.Message);
        }
    }
}
