using System.Globalization;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum del KEY [--if-revision N]</c>: deletes a key (an absent key is not an error) and prints
/// the delete's revision. A failed condition is exit code 4, with the key's current revision on standard error.
/// </summary>
internal static class DeleteVerb
{
    /// <summary>Gets the verb.</summary>
    public static ClientVerb Definition { get; } = new("del", ["--if-revision"], [], RunAsync);

    private static async Task<int> RunAsync(VerbArguments arguments, ClientSession session, CancellationToken token)
    {
        arguments.ExpectArguments(1, 1);
        var revision = await session.Client.DeleteAsync(arguments.Key(0), arguments.Number("--if-revision", 0), token);
        await session.Console.Out.WriteLineAsync(revision.ToString(CultureInfo.InvariantCulture));
        return ExitCodes.Success;
    }
}
