using System.CommandLine;
using System.Globalization;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum del KEY [--if-revision N]</c>: deletes a key (an absent key is not an error) and prints
/// the delete's revision. A failed condition is exit code 4, with the key's current revision on standard error.
/// </summary>
internal static class DeleteVerb
{
    private static readonly Argument<string> Key = VerbSymbols.Key();
    private static readonly Option<long?> IfRevision = VerbSymbols.Number("--if-revision", 0, "only if the key is at revision N (0: absent); exit code 4 when not");

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => ClientVerbs.Create("del", "Delete KEY (an absent key is not an error) and print the revision.", [Key, IfRevision], RunAsync);

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        var revision = await session.Client.DeleteAsync(arguments.GetRequiredValue(Key), arguments.GetValue(IfRevision), token);
        await session.Console.Out.WriteLineAsync(revision.ToString(CultureInfo.InvariantCulture));
        return ExitCodes.Success;
    }
}
