using System.Text;
using Quorum.Store.Commands;
using Quorum.Store.Snapshots;
using Quorum.Store.State;

namespace Quorum.Store.Tests;

public sealed class SnapshotTests
{
    private static StoreState SampleState(int keys)
    {
        var commands = new List<Command>
        {
            new SetMemberCommand(new MemberInfo("n1", "127.0.0.1:8081", "http://127.0.0.1:8080")),
            new SetMemberCommand(new MemberInfo("n2", "127.0.0.2:8081", string.Empty)),
        };
        for (var i = 0; i < keys; i++)
            commands.Add(new PutCommand(Encoding.UTF8.GetBytes($"key/{i:D5}"), [(byte)i, 0, 0xFF, (byte)(i >> 8)]));
        commands.Add(new PutCommand([0x00, 0xFF], []));

        var state = StoreState.Empty.Apply(commands, 41, 3, new CommandOutcome[commands.Count]);
        return state.Apply([new DeleteCommand(Encoding.UTF8.GetBytes("key/00000"))], 42, 3, new CommandOutcome[1]);
    }

    [Fact]
    public void A_snapshot_round_trips_keys_values_revisions_and_members()
    {
        using var temp = new TempDirectory();
        var directory = new SnapshotDirectory(temp.Path);
        var original = SampleState(500);

        var file = directory.Write(original, CancellationToken.None);
        var restored = SnapshotDirectory.Load(file, CancellationToken.None);

        Assert.Equal(42, restored.Index);
        Assert.Equal(3, restored.Term);
        Assert.Equal(original.Members.Values, restored.Members.Values);
        Assert.Equal(original.Keys.Count, restored.Keys.Count);
        foreach (var (e1, e2) in original.Keys.Enumerate().Zip(restored.Keys.Enumerate()))
        {
            Assert.Equal(e1.Key.ToArray(), e2.Key.ToArray());
            Assert.Equal(e1.Payload.ToArray(), e2.Payload.ToArray());
            Assert.Equal(e1.Value.Revision, e2.Value.Revision);
        }

        Assert.False(restored.Keys.TryGetValue("key/00000"u8, out _));
        Assert.True(restored.Keys.TryGetValue(new byte[] { 0x00, 0xFF }, out var empty, out var emptyValue));
        Assert.True(emptyValue.IsEmpty);
        Assert.Equal(41, empty.Revision);
    }

    [Fact]
    public void A_snapshot_larger_than_the_io_blocks_round_trips_and_damage_past_the_first_block_is_caught()
    {
        // Snapshots are written and read through 1 MiB blocks; this one spans several, and one value
        // is larger than a block by itself.
        var random = new Random(5);
        var commands = new List<Command>();
        for (var i = 0; i < 4_000; i++)
        {
            var value = new byte[700];
            random.NextBytes(value);
            commands.Add(new PutCommand(Encoding.UTF8.GetBytes($"big/{i:D5}"), value));
        }

        var huge = new byte[1_500_000];
        random.NextBytes(huge);
        commands.Add(new PutCommand("big/02000-huge"u8.ToArray(), huge));
        var original = StoreState.Empty.Apply(commands, 7, 1, new CommandOutcome[commands.Count]);

        using var temp = new TempDirectory();
        var directory = new SnapshotDirectory(temp.Path);
        var file = directory.Write(original, CancellationToken.None);
        var pristine = File.ReadAllBytes(file.Path);
        Assert.True(pristine.Length > 4 << 20, $"the snapshot is only {pristine.Length} bytes");

        var restored = SnapshotDirectory.Load(file, CancellationToken.None);
        Assert.Equal(
            original.Keys.Enumerate().Select(e => (Convert.ToHexString(e.Key), Convert.ToHexString(e.Payload), e.Value)),
            restored.Keys.Enumerate().Select(e => (Convert.ToHexString(e.Key), Convert.ToHexString(e.Payload), e.Value)));

        foreach (var position in new[] { (1 << 20) + 3, (3 << 20) - 1, pristine.Length - 9 })
        {
            var damaged = (byte[])pristine.Clone();
            damaged[position] ^= 0x01;
            File.WriteAllBytes(file.Path, damaged);
            Assert.Contains("damaged", Assert.Throws<DataDirectoryException>(() => SnapshotDirectory.Load(file, CancellationToken.None)).Message);
        }
    }

    [Fact]
    public void A_damaged_snapshot_is_refused_wherever_the_damage_is()
    {
        using var temp = new TempDirectory();
        var directory = new SnapshotDirectory(temp.Path);
        var file = directory.Write(SampleState(200), CancellationToken.None);
        var pristine = File.ReadAllBytes(file.Path);

        foreach (var position in new[] { 0, 10, pristine.Length / 2, pristine.Length - 12, pristine.Length - 1 })
        {
            var damaged = (byte[])pristine.Clone();
            damaged[position] ^= 0x40;
            File.WriteAllBytes(file.Path, damaged);
            var error = Assert.Throws<DataDirectoryException>(() => SnapshotDirectory.Load(file, CancellationToken.None));
            Assert.Contains("damaged", error.Message);
        }

        File.WriteAllBytes(file.Path, pristine[..^20]);
        Assert.Contains("truncated", Assert.Throws<DataDirectoryException>(() => SnapshotDirectory.Load(file, CancellationToken.None)).Message);

        File.WriteAllBytes(file.Path, [.. pristine, 0]);
        Assert.Throws<DataDirectoryException>(() => SnapshotDirectory.Load(file, CancellationToken.None));
    }

    [Fact]
    public void A_snapshot_whose_content_does_not_match_its_name_is_refused()
    {
        using var temp = new TempDirectory();
        var directory = new SnapshotDirectory(temp.Path);
        var file = directory.Write(SampleState(3), CancellationToken.None);
        var renamed = new SnapshotFile(Path.Combine(temp.Path, SnapshotFile.FileName(99, 3)), 99, 3);
        File.Move(file.Path, renamed.Path);

        Assert.Throws<DataDirectoryException>(() => SnapshotDirectory.Load(renamed, CancellationToken.None));
    }

    [Fact]
    public void Older_snapshots_are_deleted_and_leftover_temporary_files_cleaned()
    {
        using var temp = new TempDirectory();
        var directory = new SnapshotDirectory(temp.Path);
        directory.Write(StoreState.Empty.Advance(10, 1), CancellationToken.None);
        directory.Write(StoreState.Empty.Advance(20, 1), CancellationToken.None);
        File.WriteAllText(temp.Combine("abc.tmp"), "partial");

        directory.DeleteOlderThan(20);
        var reopened = new SnapshotDirectory(temp.Path);

        Assert.Equal(20, reopened.FindLatest()!.Index);
        Assert.Equal([SnapshotFile.FileName(20, 1)], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }
}
