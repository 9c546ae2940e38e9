using System.Text;

namespace Quorum.Store.Auth;

/// <summary>A role's access to every key that starts with a prefix.</summary>
/// <param name="Prefix">The prefix; empty covers every key.</param>
/// <param name="Access">What the role may do with those keys.</param>
public sealed record PrefixAccess(string Prefix, Access Access)
{
    /// <summary>Tells whether the permission covers a key, or every key under a prefix, for the access asked.</summary>
    /// <param name="keyOrPrefix">The key, or the prefix of a listing or watch (then every key under it must be covered).</param>
    /// <param name="access">The access asked for.</param>
    /// <returns><see langword="true"/> when it is granted.</returns>
    public bool Grants(ReadOnlySpan<byte> keyOrPrefix, Access access)
    {
        if ((Access & access) != access)
            return false;

        // Keys are short; the prefix's bytes are made on the stack rather than kept beside the record.
        var length = Encoding.UTF8.GetByteCount(Prefix);
        if (length > keyOrPrefix.Length)
            return false;

        Span<byte> prefix = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(Prefix, prefix);
        return keyOrPrefix.StartsWith(prefix);
    }
}
