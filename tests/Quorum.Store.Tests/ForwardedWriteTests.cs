using System.Buffers;
using System.Net;
using System.Text;
using Quorum.IntegrationTests.Infrastructure;
using Quorum.Store.Auth;
using Quorum.Store.Commands;

namespace Quorum.Store.Tests;

/// <summary>The writes a follower hands its leader: their codec, and the leader authorizing each one again.</summary>
public sealed class ForwardedWriteTests
{
    private static readonly Identity Bob = new("bob");
    private static readonly Identity Alice = new("alice");

    [Fact]
    public void Forwarded_commands_and_answers_round_trip_with_their_callers()
    {
        ForwardedCommand[] commands =
        [
            new(new PutCommand("a"u8.ToArray(), "1"u8.ToArray()), null),
            new(new PutCommand("b"u8.ToArray(), "2"u8.ToArray(), Precondition.AtRevision(7), new KeyLease(3000, 1_700_000_000_000)), Bob),
            new(new DeleteCommand("c"u8.ToArray(), Precondition.Exists), new Identity("n2", IsNode: true)),
        ];
        var decoded = CommandCodec.DecodeForwarded(new ReadOnlySequence<byte>(CommandCodec.EncodeForwarded(commands)));
        Assert.Equal(commands.Length, decoded.Count);
        Assert.Null(decoded[0].Caller);
        Assert.Equal(Bob, decoded[1].Caller);
        Assert.Equal(new Identity("n2", IsNode: true), decoded[2].Caller);
        var put = Assert.IsType<PutCommand>(decoded[1].Command);
        Assert.Equal("b", Encoding.UTF8.GetString(put.Key));
        Assert.Equal(Precondition.AtRevision(7), put.Condition);
        Assert.Equal(new KeyLease(3000, 1_700_000_000_000), put.Lease);
        Assert.Equal(Precondition.Exists, Assert.IsType<DeleteCommand>(decoded[2].Command).Condition);

        ForwardedResult[] answers =
        [
            new(ForwardedStatus.Applied, new CommandOutcome(12)),
            new(ForwardedStatus.Applied, CommandOutcome.Failed(13, 9)),
            new(ForwardedStatus.OutcomeUnknown, Message: "not confirmed"),
            new(ForwardedStatus.Forbidden, Message: "no"),
        ];
        Assert.Equal(answers, CommandCodec.DecodeForwardedResults(new ReadOnlySequence<byte>(CommandCodec.EncodeForwardedResults(answers))));
        Assert.Throws<InvalidDataException>(() => CommandCodec.DecodeForwarded(new ReadOnlySequence<byte>([2, 0])));
    }

    [Fact]
    public void Each_answer_becomes_the_error_the_leader_itself_would_have_given()
    {
        Assert.Equal(12, new ForwardedResult(ForwardedStatus.Applied, new CommandOutcome(12)).OutcomeOrThrow().Revision);
        Assert.Throws<UnavailableException>(() => new ForwardedResult(ForwardedStatus.Unavailable, Message: "m").OutcomeOrThrow());
        Assert.Throws<WriteOutcomeUnknownException>(() => new ForwardedResult(ForwardedStatus.OutcomeUnknown, Message: "m").OutcomeOrThrow());
        Assert.Throws<InsufficientStorageException>(() => new ForwardedResult(ForwardedStatus.InsufficientStorage, Message: "m").OutcomeOrThrow());
        Assert.False(Assert.Throws<AccessDeniedException>(() => new ForwardedResult(ForwardedStatus.Forbidden, Message: "m").OutcomeOrThrow()).NeedsCredentials);
        Assert.True(Assert.Throws<AccessDeniedException>(() => new ForwardedResult(ForwardedStatus.Unauthenticated, Message: "m").OutcomeOrThrow()).NeedsCredentials);
    }

    [Fact]
    public async Task The_leader_authorizes_every_forwarded_write_for_its_own_caller_against_its_own_roles()
    {
        using var temp = new TempDirectory();
        var options = new StoreOptions { DataDirectory = temp.Path, NodeId = "solo", RaftEndPoint = new IPEndPoint(IPAddress.Loopback, Ports.Next()) };
        await using var store = await QuorumStore.OpenAsync(options);
        await WaitUntilAsync(() => store.IsLeader, "the node to lead");

        // Auth off: anyone's forwarded write is proposed.
        var open = await ProposeOneAsync(store, new(new PutCommand("app/x"u8.ToArray(), "open"u8.ToArray()), null));
        Assert.Equal(ForwardedStatus.Applied, open.Status);

        await store.PutUserAsync(AuthUser.Root, "root-pw", []);
        await store.PutRoleAsync(new AuthRole("app-ro", [new PrefixAccess("app/", Access.Read)]));
        await store.PutRoleAsync(new AuthRole("app-rw", [new PrefixAccess("app/", Access.ReadWrite)]));
        await store.PutUserAsync("alice", "alice-pw", ["app-ro"]);
        await store.PutUserAsync("bob", "bob-pw", ["app-rw"]);
        await store.SetAuthEnabledAsync(true);

        // One request, four callers: each is answered for itself, in order.
        var answers = await ProposeAsync(
            store,
            new(new PutCommand("app/x"u8.ToArray(), "by bob"u8.ToArray()), Bob),
            new(new PutCommand("app/x"u8.ToArray(), "by alice"u8.ToArray()), Alice),
            new(new DeleteCommand("app/x"u8.ToArray()), null),
            new(new PutCommand("other/y"u8.ToArray(), "by bob"u8.ToArray()), Bob),
            new(new PutCommand("app/x"u8.ToArray(), "stale"u8.ToArray(), Precondition.AtRevision(open.Outcome.Revision)), Bob));
        Assert.Equal([ForwardedStatus.Applied, ForwardedStatus.Forbidden, ForwardedStatus.Unauthenticated, ForwardedStatus.Forbidden, ForwardedStatus.Applied], answers.Select(static a => a.Status));
        Assert.True(answers[0].Outcome.Applied);
        Assert.Contains("alice", answers[1].Message, StringComparison.Ordinal);

        // The stale precondition is an outcome, not an error: it held nothing, and says what it found.
        var bobs = answers[0].Outcome.Revision;
        Assert.False(answers[4].Outcome.Applied);
        Assert.Equal(bobs, answers[4].Outcome.CurrentRevision);

        // The refused writes changed nothing.
        var stored = await store.GetAsync("app/x"u8.ToArray());
        Assert.Equal("by bob", Encoding.UTF8.GetString(stored!.Value.Span));
        Assert.Equal(bobs, stored.Revision);
        Assert.Null(await store.GetAsync("other/y"u8.ToArray()));

        // Only key writes travel this way; anything else is refused before anything is proposed.
        var membership = CommandCodec.EncodeForwarded([new(new RemoveMemberCommand("solo"), new Identity(AuthUser.Root))]);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ProposeForwardedAsync(new ReadOnlySequence<byte>(membership)));
        Assert.Single(store.GetMembers());
    }

    private static async Task<ForwardedResult> ProposeOneAsync(QuorumStore store, ForwardedCommand command) => (await ProposeAsync(store, command))[0];

    private static async Task<IReadOnlyList<ForwardedResult>> ProposeAsync(QuorumStore store, params ForwardedCommand[] commands)
    {
        var answer = await store.ProposeForwardedAsync(new ReadOnlySequence<byte>(CommandCodec.EncodeForwarded(commands)));
        return CommandCodec.DecodeForwardedResults(new ReadOnlySequence<byte>(answer));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
