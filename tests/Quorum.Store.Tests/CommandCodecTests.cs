using System.Buffers;
using Quorum.Store.Commands;

namespace Quorum.Store.Tests;

public sealed class CommandCodecTests
{
    [Fact]
    public void Commands_round_trip_including_binary_keys_and_values()
    {
        Command[] commands =
        [
            new PutCommand([0, 1, 2, 0xFF], new byte[70_000]),
            new DeleteCommand([0x80]),
            new SetMemberCommand(new MemberInfo("n1", "127.0.0.1:8081", "http://127.0.0.1:8080")),
            new RemoveMemberCommand("n2"),
        ];

        var decoded = CommandCodec.Decode(new ReadOnlySequence<byte>(CommandCodec.Encode(commands)));

        Assert.Equal(4, decoded.Count);
        var put = Assert.IsType<PutCommand>(decoded[0]);
        Assert.Equal(new byte[] { 0, 1, 2, 0xFF }, put.Key);
        Assert.Equal(70_000, put.Value.Length);
        Assert.Equal(new byte[] { 0x80 }, Assert.IsType<DeleteCommand>(decoded[1]).Key);
        Assert.Equal(new MemberInfo("n1", "127.0.0.1:8081", "http://127.0.0.1:8080"), Assert.IsType<SetMemberCommand>(decoded[2]).Member);
        Assert.Equal("n2", Assert.IsType<RemoveMemberCommand>(decoded[3]).Id);
    }

    [Fact]
    public void A_payload_split_across_segments_decodes()
    {
        var bytes = CommandCodec.Encode([new PutCommand([1, 2, 3], [4, 5, 6, 7])]);
        var first = new Segment(bytes.AsMemory(0, 5));
        var last = first.Append(bytes.AsMemory(5));

        var decoded = CommandCodec.Decode(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));

        Assert.Equal(new byte[] { 4, 5, 6, 7 }, Assert.IsType<PutCommand>(Assert.Single(decoded)).Value);
    }

    [Fact]
    public void Truncated_or_unknown_payloads_are_refused()
    {
        var bytes = CommandCodec.Encode([new PutCommand([1, 2, 3], [4, 5, 6])]);

        Assert.Throws<InvalidDataException>(() => CommandCodec.Decode(new ReadOnlySequence<byte>(bytes.AsMemory(0, bytes.Length - 1))));
        Assert.Throws<InvalidDataException>(() => CommandCodec.Decode(new ReadOnlySequence<byte>([1, 1, 99])));
        Assert.Throws<InvalidDataException>(() => CommandCodec.Decode(new ReadOnlySequence<byte>([7])));
        Assert.Throws<InvalidDataException>(() => CommandCodec.Decode(new ReadOnlySequence<byte>([.. bytes, 0])));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
