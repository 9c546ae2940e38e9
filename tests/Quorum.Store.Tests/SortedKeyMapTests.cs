using System.Text;
using Quorum.Store.Native;

namespace Quorum.Store.Tests;

public sealed class SortedKeyMapTests
{
    private static byte[] Key(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Random_updates_match_a_reference_map_and_old_versions_do_not_change()
    {
        var random = new Random(12345);
        var reference = new SortedDictionary<byte[], string>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        var map = SortedKeyMap<string>.Empty;

        for (var i = 0; i < 20_000; i++)
        {
            var key = new byte[random.Next(0, 4)];
            random.NextBytes(key);
            if (random.Next(3) == 0)
            {
                reference.Remove(key);
                map = map.Remove(key);
            }
            else
            {
                var value = i.ToString();
                reference[key] = value;
                map = map.SetItem(key, value);
            }

            if (i % 2_000 == 0)
            {
                map.Validate();
                Assert.Equal(reference.Count, map.Count);
            }
        }

        map.Validate();
        Assert.Equal(reference.Select(p => (Convert.ToHexString(p.Key), p.Value)), map.Enumerate().Select(p => (Convert.ToHexString(p.Key), p.Value)));

        var frozen = map;
        var frozenContent = frozen.Enumerate().Select(p => (Convert.ToHexString(p.Key), p.Value)).ToList();
        foreach (var entry in frozen.Enumerate().Take(100))
            map = map.Remove(entry.Key).SetItem(Key("new"), "x");
        Assert.Equal(frozenContent, frozen.Enumerate().Select(p => (Convert.ToHexString(p.Key), p.Value)).ToList());
    }

    [Fact]
    public void Lookups_are_right_when_keys_share_long_prefixes_and_differ_only_past_eight_more_bytes_or_by_trailing_zeros()
    {
        // Branches search by the bytes all their separators share and the eight after them; these
        // keys make every part of that matter: a long common prefix, ties in the eight bytes that only
        // the full key settles, and keys that differ only by trailing zero bytes (which pad alike).
        var random = new Random(7);
        var reference = new SortedDictionary<byte[], int>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        var builder = SortedKeyMap<int>.Empty.ToBuilder();
        byte[] NewKey()
        {
            var prefix = random.Next(3) switch { 0 => "", 1 => "registry/", _ => "registry/pods/default/" };
            var middle = new byte[random.Next(0, 12)];
            for (var i = 0; i < middle.Length; i++)
                middle[i] = (byte)random.Next(0, 3); // 0, 1 or 2: long runs of equal and zero bytes
            return [.. Encoding.UTF8.GetBytes(prefix), .. middle];
        }

        for (var i = 0; i < 30_000; i++)
        {
            var key = NewKey();
            if (random.Next(4) == 0)
            {
                Assert.Equal(reference.Remove(key), builder.Remove(key));
            }
            else
            {
                reference[key] = i;
                builder.Set(key, i);
            }
        }

        var map = builder.ToImmutable();
        Assert.True(map.Validate() >= 3, "the tree should have branches to search");
        foreach (var (key, value) in reference)
        {
            Assert.True(map.TryGetValue(key, out var found), Convert.ToHexString(key));
            Assert.Equal(value, found);
        }

        for (var i = 0; i < 10_000; i++)
        {
            var key = NewKey();
            Assert.Equal(reference.ContainsKey(key), map.TryGetValue(key, out _));
        }

        Assert.Equal(reference.Keys.Select(Convert.ToHexString), map.Enumerate().Select(e => Convert.ToHexString(e.Key)));
    }

    [Fact]
    public void A_builder_applies_a_batch_without_changing_maps_already_handed_out()
    {
        var random = new Random(99);
        var reference = new SortedDictionary<byte[], string>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        var map = SortedKeyMap<string>.Empty;
        var versions = new List<(SortedKeyMap<string> Map, List<(string, string)> Content)>();
        for (var batch = 0; batch < 300; batch++)
        {
            var builder = map.ToBuilder();
            for (var i = 0; i < random.Next(1, 40); i++)
            {
                var key = new byte[random.Next(1, 3)];
                random.NextBytes(key);
                if (random.Next(4) == 0)
                {
                    Assert.Equal(reference.Remove(key), builder.Remove(key));
                }
                else
                {
                    reference[key] = $"{batch}.{i}";
                    builder.Set(key, $"{batch}.{i}");
                }
            }

            map = builder.ToImmutable();
            map.Validate();
            Assert.Equal(reference.Count, map.Count);
            versions.Add((map, reference.Select(p => (Convert.ToHexString(p.Key), p.Value)).ToList()));
        }

        foreach (var (version, content) in versions)
            Assert.Equal(content, version.Enumerate().Select(p => (Convert.ToHexString(p.Key), p.Value)));
    }

    [Fact]
    public void EnumerateFrom_starts_at_the_first_key_not_less_than_the_start()
    {
        var map = SortedKeyMap<string>.Empty;
        foreach (var k in new[] { "a", "b/1", "b/2", "b/3", "c" })
            map = map.SetItem(Key(k), k);

        Assert.Equal(["b/1", "b/2", "b/3", "c"], map.EnumerateFrom(Key("b")).Select(p => p.Value));
        Assert.Equal(["b/3", "c"], map.EnumerateFrom(Key("b/25")).Select(p => p.Value));
        Assert.Empty(map.EnumerateFrom(Key("d")));
    }

    [Fact]
    public void Keys_order_by_unsigned_bytes()
    {
        var map = SortedKeyMap<string>.Empty
            .SetItem([0xFF], "ff")
            .SetItem([0x00], "00")
            .SetItem([0x7F], "7f")
            .SetItem([0x80], "80");

        Assert.Equal(["00", "7f", "80", "ff"], map.Enumerate().Select(p => p.Value));
    }

    [Fact]
    public void FromSorted_builds_a_balanced_tree_and_rejects_unsorted_input()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => Key(i.ToString("D4"))).ToArray();
        var map = SortedKeyMap<string>.FromSorted(keys, keys.Select(k => Encoding.UTF8.GetString(k)).ToArray());

        Assert.Equal(1000, map.Count);
        Assert.True(map.Validate() <= 11);
        Assert.True(map.TryGetValue(Key("0500"), out var value));
        Assert.Equal("0500", value);
        Assert.Throws<ArgumentException>(() => SortedKeyMap<string>.FromSorted([Key("b"), Key("a")], ["b", "a"]));
    }

    [Fact]
    public void Payloads_follow_their_keys_through_overwrites_and_removals_and_old_versions_keep_theirs()
    {
        var builder = SortedKeyMap<int>.Empty.ToBuilder();
        for (var i = 0; i < 50; i++)
            builder.Set(KeyWithPayload.Create(Key($"k{i:D2}"), Key($"value {i}")), i);
        var before = builder.ToImmutable();

        var after = before.ToBuilder();
        after.Set(KeyWithPayload.Create(Key("k07"), Key("seven, longer than before")), 107);
        after.Set(KeyWithPayload.Create(Key("k08"), []), 108);
        for (var i = 20; i < 40; i++)
            Assert.True(after.Remove(Key($"k{i:D2}")));
        var changed = after.ToImmutable();
        changed.Validate();

        Assert.True(before.TryGetValue(Key("k07"), out var oldRevision, out var oldPayload));
        Assert.Equal((7, "value 7"), (oldRevision, Encoding.UTF8.GetString(oldPayload)));
        Assert.True(changed.TryGetValue(Key("k07"), out var newRevision, out var newPayload));
        Assert.Equal((107, "seven, longer than before"), (newRevision, Encoding.UTF8.GetString(newPayload)));
        Assert.True(changed.TryGetValue(Key("k08"), out _, out var emptyPayload));
        Assert.True(emptyPayload.IsEmpty);
        Assert.False(changed.TryGetValue(Key("k25"), out _, out _));

        foreach (var entry in changed.Enumerate().Where(e => e.Value < 100))
            Assert.Equal((Encoding.UTF8.GetString(entry.Key), $"value {entry.Value}"), ($"k{entry.Value:D2}", Encoding.UTF8.GetString(entry.Payload)));
        Assert.Equal(30, changed.Count);
        Assert.Equal(50, before.Enumerate().Count(e => Encoding.UTF8.GetString(e.Payload) == $"value {e.Value}"));
    }

    [Fact]
    public void Growing_to_several_levels_and_shrinking_to_nothing_keeps_the_tree_valid()
    {
        var random = new Random(7);
        var keys = Enumerable.Range(0, 30_000).Select(i => Key($"k/{i:D6}")).OrderBy(_ => random.Next()).ToArray();
        var reference = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var map = SortedKeyMap<int>.Empty;
        var half = map;

        for (var batch = 0; batch < keys.Length; batch += 250)
        {
            var builder = map.ToBuilder();
            foreach (var key in keys.AsSpan(batch, 250))
            {
                builder.Set(key, batch);
                reference[Encoding.UTF8.GetString(key)] = batch;
            }

            map = builder.ToImmutable();
            if (batch == keys.Length / 2)
                half = map;
            if (batch % 5_000 == 0)
                map.Validate();
        }

        Assert.True(map.Validate() >= 3, "30,000 keys should need at least three levels");
        Assert.Equal(reference.Count, map.Count);
        var halfContent = half.Enumerate().Select(e => Encoding.UTF8.GetString(e.Key)).ToList();

        random.Shuffle(keys);
        for (var batch = 0; batch < keys.Length; batch += 500)
        {
            var builder = map.ToBuilder();
            foreach (var key in keys.AsSpan(batch, 500))
            {
                Assert.True(builder.Remove(key));
                Assert.False(builder.Remove(key));
                reference.Remove(Encoding.UTF8.GetString(key));
            }

            map = builder.ToImmutable();
            map.Validate();
            Assert.Equal(reference.Count, map.Count);
            if (batch % 6_000 == 0)
                Assert.Equal(reference.Keys, map.Enumerate().Select(e => Encoding.UTF8.GetString(e.Key)));
        }

        Assert.Equal(0, map.Count);
        Assert.Empty(map.Enumerate());
        Assert.Equal(halfContent, half.Enumerate().Select(e => Encoding.UTF8.GetString(e.Key)));
    }
}
