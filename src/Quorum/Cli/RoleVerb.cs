using System.CommandLine;
using System.Text.Json;
using Quorum.Client;
using Quorum.Contracts;
using Quorum.Contracts.Auth;

namespace Quorum.Cli;

/// <summary><c>quorum role add|del|list|get|grant|revoke</c>: roles and their prefix permissions, as root manages them.</summary>
internal static class RoleVerb
{
    private static readonly Argument<string> Name = new("NAME") { Description = "the role's name" };
    private static readonly Argument<string> Prefix = new("PREFIX") { Description = "the key prefix ('' for every key)" };
    private static readonly Argument<string> Access = new("ACCESS") { Description = "read, write or readwrite" };

    /// <summary>Creates the verb and its subcommands.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        Access.AcceptOnlyFromAmong("read", "write", "readwrite");
        return new("role", "Manage roles and their permissions (root only once auth is on).")
        {
            ClientVerbs.Create("add", "Add a role with no permissions; refused if it exists.", [Name], AddAsync),
            ClientVerbs.Create("del", "Delete a role.", [Name], async (r, s, t) => await UserVerb.ChangedAsync(s, s.Client.DeleteRoleAsync(r.GetRequiredValue(Name), t), $"role {r.GetRequiredValue(Name)} deleted")),
            ClientVerbs.Create("list", "List the roles and their permissions, one JSON object per line.", [], ListAsync),
            ClientVerbs.Create("get", "Print a role and its permissions as JSON.", [Name], GetAsync),
            ClientVerbs.Create("grant", "Let a role read, write or both every key under a prefix (replacing what it had for that prefix).", [Name, Prefix, Access], GrantAsync),
            ClientVerbs.Create("revoke", "Take back a role's permission on a prefix.", [Name, Prefix], RevokeAsync),
        };
    }

    private static async Task<int> AddAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        var name = result.GetRequiredValue(Name);
        try
        {
            await session.Client.GetRoleAsync(name, token);
            throw new InputException($"role {name} exists already; change it with role grant and role revoke.");
        }
        catch (QuorumClientException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }

        return await UserVerb.ChangedAsync(session, session.Client.PutRoleAsync(name, [], token), $"role {name} added");
    }

    private static async Task<int> GrantAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        var name = result.GetRequiredValue(Name);
        var prefix = result.GetRequiredValue(Prefix);
        var role = await session.Client.GetRoleAsync(name, token);
        var permissions = role.Permissions.Where(p => p.Prefix != prefix).Append(new PermissionBody(prefix, result.GetRequiredValue(Access))).ToArray();
        return await UserVerb.ChangedAsync(session, session.Client.PutRoleAsync(name, permissions, token), $"role {name}: {result.GetRequiredValue(Access)} on '{prefix}'");
    }

    private static async Task<int> RevokeAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        var name = result.GetRequiredValue(Name);
        var prefix = result.GetRequiredValue(Prefix);
        var role = await session.Client.GetRoleAsync(name, token);
        if (role.Permissions.All(p => p.Prefix != prefix))
            throw new InputException($"role {name} has no permission on '{prefix}'.");

        return await UserVerb.ChangedAsync(session, session.Client.PutRoleAsync(name, role.Permissions.Where(p => p.Prefix != prefix).ToArray(), token), $"role {name}: nothing on '{prefix}'");
    }

    private static async Task<int> ListAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        foreach (var role in await session.Client.GetRolesAsync(token))
            await session.Console.Out.WriteLineAsync(JsonSerializer.Serialize(role, WireJson.Wire.RoleView));
        return ExitCodes.Success;
    }

    private static async Task<int> GetAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        await session.Console.Out.WriteLineAsync(JsonSerializer.Serialize(await session.Client.GetRoleAsync(result.GetRequiredValue(Name), token), WireJson.Wire.RoleView));
        return ExitCodes.Success;
    }
}
