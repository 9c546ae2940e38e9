using System.CommandLine;
using System.Text.Json;
using Quorum.Contracts;

namespace Quorum.Cli;

/// <summary><c>quorum auth enable|disable|whoami</c>.</summary>
internal static class AuthVerb
{
    /// <summary>Creates the verb and its subcommands.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => new("auth", "Turn auth on or off, or ask who you are.")
    {
        ClientVerbs.Create("enable", "Turn auth on; user root must exist.", [], (_, s, t) => UserVerb.ChangedAsync(s, s.Client.SetAuthEnabledAsync(true, t), "auth enabled")),
        ClientVerbs.Create("disable", "Turn auth off (root only).", [], (_, s, t) => UserVerb.ChangedAsync(s, s.Client.SetAuthEnabledAsync(false, t), "auth disabled")),
        ClientVerbs.Create("whoami", "Print who the members take you for, as JSON.", [], async (_, s, t) =>
        {
            await s.Console.Out.WriteLineAsync(JsonSerializer.Serialize(await s.Client.WhoAmIAsync(t), WireJson.Wire.UserView));
            return ExitCodes.Success;
        }),
    };
}
