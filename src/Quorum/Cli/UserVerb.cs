using System.CommandLine;
using System.Text.Json;
using Quorum.Contracts;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum user add|del|list|get|passwd|grant|revoke</c>: users, as root manages them. A password
/// given as <c>NAME:PASSWORD</c>, in <c>--new-password-file</c>, or asked for on the terminal.
/// </summary>
internal static class UserVerb
{
    private static readonly Argument<string> Name = new("NAME") { Description = "the user's name" };
    private static readonly Argument<string> NameWithPassword = new("NAME[:PASSWORD]") { Description = "the user's name, and its new password unless it is to be asked for or read from --new-password-file" };
    private static readonly Argument<string[]> Roles = new("ROLE") { Description = "roles", Arity = ArgumentArity.OneOrMore };
    private static readonly Option<string> NewPasswordFile = new("--new-password-file") { Description = "read the new password from this file (its first line)", HelpName = "FILE" };

    /// <summary>Creates the verb and its subcommands.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => new("user", "Manage users (root only once auth is on).")
    {
        ClientVerbs.Create("add", "Add a user with a password.", [NameWithPassword, NewPasswordFile], (r, s, t) => SetPasswordAsync(r, s, isNew: true, t)),
        ClientVerbs.Create("passwd", "Change a user's password (its tokens end).", [NameWithPassword, NewPasswordFile], (r, s, t) => SetPasswordAsync(r, s, isNew: false, t)),
        ClientVerbs.Create("del", "Delete a user.", [Name], async (r, s, t) => await ChangedAsync(s, s.Client.DeleteUserAsync(r.GetRequiredValue(Name), t), $"user {r.GetRequiredValue(Name)} deleted")),
        ClientVerbs.Create("list", "List the users and their roles, one JSON object per line.", [], ListAsync),
        ClientVerbs.Create("get", "Print a user and its roles as JSON.", [Name], GetAsync),
        ClientVerbs.Create("grant", "Grant roles to a user.", [Name, Roles], (r, s, t) => ChangeRolesAsync(r, s, grant: true, t)),
        ClientVerbs.Create("revoke", "Revoke roles from a user.", [Name, Roles], (r, s, t) => ChangeRolesAsync(r, s, grant: false, t)),
    };

    private static async Task<int> SetPasswordAsync(ParseResult result, ClientSession session, bool isNew, CancellationToken token)
    {
        var given = result.GetRequiredValue(NameWithPassword);
        var colon = given.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? given : given[..colon];
        var password = colon >= 0 ? given[(colon + 1)..]
            : result.GetValue(NewPasswordFile) is { } file ? (await File.ReadAllTextAsync(file, token)).Split('\n')[0].TrimEnd('\r')
            : ClientCredentials.Prompt($"New password for {name}: ");

        var roles = isNew ? [] : (await session.Client.GetUserAsync(name, token)).Roles;
        return await ChangedAsync(session, session.Client.PutUserAsync(name, password, roles, token), isNew ? $"user {name} added" : $"password of {name} changed");
    }

    private static async Task<int> ChangeRolesAsync(ParseResult result, ClientSession session, bool grant, CancellationToken token)
    {
        var name = result.GetRequiredValue(Name);
        var roles = result.GetRequiredValue(Roles);
        var user = await session.Client.GetUserAsync(name, token);
        var updated = grant ? user.Roles.Union(roles, StringComparer.Ordinal).ToArray() : user.Roles.Except(roles, StringComparer.Ordinal).ToArray();
        return await ChangedAsync(session, session.Client.PutUserAsync(name, null, updated, token), $"roles of {name}: {string.Join(", ", updated)}");
    }

    private static async Task<int> ListAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        foreach (var user in await session.Client.GetUsersAsync(token))
            await session.Console.Out.WriteLineAsync(JsonSerializer.Serialize(user, WireJson.Wire.UserView));
        return ExitCodes.Success;
    }

    private static async Task<int> GetAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        await session.Console.Out.WriteLineAsync(JsonSerializer.Serialize(await session.Client.GetUserAsync(result.GetRequiredValue(Name), token), WireJson.Wire.UserView));
        return ExitCodes.Success;
    }

    /// <summary>Waits for a change and says it is done.</summary>
    /// <param name="session">The verb's session.</param>
    /// <param name="change">The change.</param>
    /// <param name="done">What to print.</param>
    /// <returns>Exit code 0.</returns>
    internal static async Task<int> ChangedAsync(ClientSession session, Task change, string done)
    {
        await change;
        await session.Console.Out.WriteLineAsync(done);
        return ExitCodes.Success;
    }
}
