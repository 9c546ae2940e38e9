using System.CommandLine;
using System.Globalization;
using System.Text;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum get KEY [--stale] [--revision]</c>: writes the value's raw bytes to standard output,
/// nothing added. With <c>--revision</c> it writes <c>REVISION VALUE</c> and a newline instead.
/// An absent key is exit code 3.
/// </summary>
internal static class GetVerb
{
    private static readonly Argument<string> Key = VerbSymbols.Key();
    private static readonly Option<bool> Stale = VerbSymbols.Switch("--stale", "read the member's own replica, which may lag");
    private static readonly Option<bool> WithRevision = VerbSymbols.Switch("--revision", "print 'REVISION VALUE' and a newline instead");

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => ClientVerbs.Create("get", "Print the value's raw bytes (nothing added). Exit code 3 when the key is absent.", [Key, Stale, WithRevision], RunAsync);

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        var key = arguments.GetRequiredValue(Key);
        var consistency = arguments.GetValue(Stale) ? Consistency.Stale : Consistency.Linearizable;
        var stored = await session.Client.GetAsync(key, consistency, token);
        if (stored is null)
        {
            await session.Console.Error.WriteLineAsync($"quorum: key '{key}' not found");
            return ExitCodes.NotFound;
        }

        var output = session.Console.Output;
        if (arguments.GetValue(WithRevision))
        {
            await output.WriteAsync(Encoding.UTF8.GetBytes(stored.Revision.ToString(CultureInfo.InvariantCulture) + " "), token);
            await output.WriteAsync(stored.Value, token);
            await output.WriteAsync("\n"u8.ToArray(), token);
        }
        else
        {
            await output.WriteAsync(stored.Value, token);
        }

        return ExitCodes.Success;
    }
}
