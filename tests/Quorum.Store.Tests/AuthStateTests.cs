using System.Buffers;
using System.Text;
using Quorum.Store.Auth;
using Quorum.Store.Commands;
using Quorum.Store.Snapshots;
using Quorum.Store.State;

namespace Quorum.Store.Tests;

public sealed class AuthStateTests
{
    // Few iterations: these tests check the rules, not the hash's cost.
    private static readonly PasswordHash AlicePassword = PasswordHash.Create("alice-secret", 1000);
    private static readonly PasswordHash RootPassword = PasswordHash.Create("root-secret", 1000);
    private static readonly byte[] TokenKey = Enumerable.Range(1, 32).Select(static i => (byte)i).ToArray();

    private static readonly AuthRole Reader = new("reader", [new PrefixAccess("app/", Access.Read), new PrefixAccess("app/own/", Access.ReadWrite)]);

    [Fact]
    public void Permissions_grant_by_prefix_and_access_and_root_may_do_everything()
    {
        var (state, _) = Apply(
            new PutRoleCommand(Reader),
            new PutUserCommand("alice", AlicePassword, ["reader"]),
            new PutUserCommand("root", RootPassword, []),
            new PutUserCommand("ops", RootPassword, [AuthRole.Root]));
        var auth = state.Auth;
        var alice = new Identity("alice");

        Assert.True(auth.Allows(alice, "app/config"u8, Access.Read));
        Assert.False(auth.Allows(alice, "app/config"u8, Access.Write));
        Assert.True(auth.Allows(alice, "app/own/x"u8, Access.Write));
        Assert.False(auth.Allows(alice, "other"u8, Access.Read));
        Assert.False(auth.Allows(alice, "ap"u8, Access.Read));

        // A listing of "app/" is covered; one of "" or "a" reaches keys outside it.
        Assert.True(auth.Allows(alice, "app/"u8, Access.Read));
        Assert.False(auth.Allows(alice, ""u8, Access.Read));
        Assert.False(auth.Allows(new Identity("nobody"), "app/x"u8, Access.Read));

        Assert.True(auth.Allows(new Identity("root"), "anything"u8, Access.ReadWrite));
        Assert.True(auth.Allows(new Identity("ops"), "anything"u8, Access.ReadWrite));
        Assert.True(auth.IsRoot(new Identity("n2", IsNode: true)));
        Assert.False(auth.IsRoot(alice));
    }

    [Fact]
    public void The_state_refuses_what_would_break_auth_and_changes_nothing()
    {
        var (state, outcomes) = Apply(
            new SetAuthEnabledCommand(true, TokenKey),
            new PutUserCommand("bob", null, []),
            new DeleteUserCommand("bob"),
            new DeleteRoleCommand("ghost"),
            new PutUserCommand("root", RootPassword, []),
            new SetAuthEnabledCommand(true, TokenKey),
            new DeleteUserCommand("root"));

        Assert.Equal(
            [AuthRefusal.NoRootUser, AuthRefusal.PasswordNeeded, AuthRefusal.UnknownUser, AuthRefusal.UnknownRole, AuthRefusal.None, AuthRefusal.None, AuthRefusal.RootUserNeeded],
            outcomes.Select(static o => o.Refusal));
        Assert.True(state.Auth.Enabled);
        Assert.Equal(["root"], state.Auth.Users.Select(static u => u.Name));
    }

    [Fact]
    public void A_token_proves_its_user_until_it_expires_the_password_changes_or_the_user_goes()
    {
        var (state, _) = Apply(new PutUserCommand("root", RootPassword, []), new PutUserCommand("alice", AlicePassword, []), new SetAuthEnabledCommand(true, TokenKey));
        var now = DateTimeOffset.UtcNow;
        var token = state.Auth.IssueToken(new Identity("alice"), now.AddMinutes(5))!;

        Assert.Equal(new Identity("alice"), state.Auth.ValidateToken(token, now));
        Assert.Null(state.Auth.ValidateToken(token, now.AddMinutes(6)));
        Assert.Null(state.Auth.ValidateToken(token[..^2] + (token[^2] == 'A' ? "BA" : "AA"), now));
        Assert.Null(state.Auth.ValidateToken("not-a-token", now));

        // Changing only the roles keeps the token; a new password ends it, and so does deletion.
        var rolesChanged = state.Apply([new PutUserCommand("alice", null, [AuthRole.Root])], 20, 1, new CommandOutcome[1]);
        Assert.Equal(new Identity("alice"), rolesChanged.Auth.ValidateToken(token, now));
        var passwordChanged = state.Apply([new PutUserCommand("alice", PasswordHash.Create("new", 1000), [])], 21, 1, new CommandOutcome[1]);
        Assert.Null(passwordChanged.Auth.ValidateToken(token, now));
        var deleted = state.Apply([new DeleteUserCommand("alice")], 22, 1, new CommandOutcome[1]);
        Assert.Null(deleted.Auth.ValidateToken(token, now));

        // A state with another key (another cluster) does not accept it either.
        var (other, _) = Apply(new PutUserCommand("root", RootPassword, []), new PutUserCommand("alice", AlicePassword, []), new SetAuthEnabledCommand(true, new byte[32]));
        Assert.Null(other.Auth.ValidateToken(token, now));
    }

    [Fact]
    public void Verified_credentials_are_cached_per_password_generation()
    {
        var (state, _) = Apply(new PutUserCommand("alice", AlicePassword, []));
        var cache = new CredentialCache();

        Assert.Equal(new Identity("alice"), cache.Verify(state.Auth, "alice", "alice-secret"));
        Assert.Null(cache.Verify(state.Auth, "alice", "wrong"));
        Assert.Null(cache.Verify(state.Auth, "mallory", "alice-secret"));

        // The old password, cached, stops working once the password changes.
        var changed = state.Apply([new PutUserCommand("alice", PasswordHash.Create("next", 1000), [])], 30, 1, new CommandOutcome[1]);
        Assert.Null(cache.Verify(changed.Auth, "alice", "alice-secret"));
        Assert.Equal(new Identity("alice"), cache.Verify(changed.Auth, "alice", "next"));
        var deleted = changed.Apply([new DeleteUserCommand("alice")], 31, 1, new CommandOutcome[1]);
        Assert.Null(cache.Verify(deleted.Auth, "alice", "next"));
    }

    [Fact]
    public void Auth_commands_round_trip_through_the_log_format()
    {
        Command[] commands =
        [
            new PutUserCommand("alice", AlicePassword, ["reader", "root"]),
            new PutUserCommand("bob", null, []),
            new DeleteUserCommand("carol"),
            new PutRoleCommand(Reader),
            new DeleteRoleCommand("old"),
            new SetAuthEnabledCommand(true, TokenKey),
            new SetAuthEnabledCommand(false, null),
        ];

        var decoded = CommandCodec.Decode(new ReadOnlySequence<byte>(CommandCodec.Encode(commands)));

        var alice = Assert.IsType<PutUserCommand>(decoded[0]);
        Assert.Equal(["reader", "root"], alice.Roles);
        Assert.Equal(AlicePassword.Hash, alice.Password!.Hash);
        Assert.Equal(AlicePassword.Salt, alice.Password.Salt);
        Assert.Equal(1000, alice.Password.Iterations);
        Assert.Null(Assert.IsType<PutUserCommand>(decoded[1]).Password);
        Assert.Equal("carol", Assert.IsType<DeleteUserCommand>(decoded[2]).Name);
        Assert.Equal(Reader.Permissions, Assert.IsType<PutRoleCommand>(decoded[3]).Role.Permissions);
        Assert.Equal("old", Assert.IsType<DeleteRoleCommand>(decoded[4]).Name);
        Assert.Equal(TokenKey, Assert.IsType<SetAuthEnabledCommand>(decoded[5]).TokenKey);
        Assert.Equal(new SetAuthEnabledCommand(false, null), decoded[6]);
    }

    [Fact]
    public void Users_roles_and_the_token_key_survive_a_snapshot()
    {
        var (state, _) = Apply(new PutRoleCommand(Reader), new PutUserCommand("alice", AlicePassword, ["reader"]), new PutUserCommand("root", RootPassword, []), new SetAuthEnabledCommand(true, TokenKey));
        using var stream = new MemoryStream();
        SnapshotFormat.Write(stream, state, CancellationToken.None);
        stream.Position = 0;
        var restored = SnapshotFormat.Read(stream, CancellationToken.None);

        Assert.True(restored.Auth.Enabled);
        Assert.Equal(state.Auth.Users.Select(static u => $"{u.Name}:{string.Join(",", u.Roles)}"), restored.Auth.Users.Select(static u => $"{u.Name}:{string.Join(",", u.Roles)}"));
        Assert.Equal(["alice:reader", "root:"], restored.Auth.Users.Select(static u => $"{u.Name}:{string.Join(",", u.Roles)}"));
        Assert.Equal(Reader.Permissions, restored.Auth.Roles["reader"].Permissions);
        var token = state.Auth.IssueToken(new Identity("alice"), DateTimeOffset.UtcNow.AddMinutes(1))!;
        Assert.Equal(new Identity("alice"), restored.Auth.ValidateToken(token, DateTimeOffset.UtcNow));
        Assert.Equal(new Identity("root"), new CredentialCache().Verify(restored.Auth, "root", "root-secret"));
    }

    [Fact]
    public void A_snapshot_of_the_format_before_auth_still_reads_with_auth_off()
    {
        // Written by the build before users and roles existed (format version 2).
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "snapshot-v2.bin"));
        var state = SnapshotFormat.Read(file, CancellationToken.None);

        Assert.Equal(7, state.Index);
        Assert.Equal(20, state.Keys.Count);
        Assert.True(state.Keys.TryGetValue("key/13"u8, out _, out var value));
        Assert.Equal("value 13", Encoding.UTF8.GetString(value));
        Assert.False(state.Auth.Enabled);
        Assert.Empty(state.Auth.Users);
    }

    private static (StoreState State, CommandOutcome[] Outcomes) Apply(params Command[] commands)
    {
        var outcomes = new CommandOutcome[commands.Length];
        return (StoreState.Empty.Apply(commands, 10, 1, outcomes), outcomes);
    }
}
