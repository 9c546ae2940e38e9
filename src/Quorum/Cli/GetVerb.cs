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
    /// <summary>Gets the verb.</summary>
    public static ClientVerb Definition { get; } = new("get", [], ["--stale", "--revision"], RunAsync);

    private static async Task<int> RunAsync(VerbArguments arguments, ClientSession session, CancellationToken token)
    {
        arguments.ExpectArguments(1, 1);
        var key = arguments.Key(0);
        var consistency = arguments.Has("--stale") ? Consistency.Stale : Consistency.Linearizable;
        var stored = await session.Client.GetAsync(key, consistency, token);
        if (stored is null)
        {
            await session.Console.Error.WriteLineAsync($"quorum: key '{key}' not found");
            return ExitCodes.NotFound;
        }

        var output = session.Console.Output;
        if (arguments.Has("--revision"))
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
