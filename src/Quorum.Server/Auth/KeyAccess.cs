using Quorum.Server.Http;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Server.Auth;

/// <summary>The permission checks of key routes: read or write on a key, or on every key under a prefix.</summary>
internal static class KeyAccess
{
    /// <summary>With auth on, refuses with 403 a caller whose roles do not grant <paramref name="access"/> on the key or on all of the prefix.</summary>
    /// <param name="context">The request.</param>
    /// <param name="store">The store, whose auth state decides.</param>
    /// <param name="keyOrPrefix">The key, or a listing's or watch's prefix.</param>
    /// <param name="access">Read or write.</param>
    /// <param name="isPrefix">Whether <paramref name="keyOrPrefix"/> is a prefix, for the message.</param>
    /// <exception cref="ApiException">403: the permission is missing.</exception>
    public static void Require(HttpContext context, QuorumStore store, ReadOnlySpan<byte> keyOrPrefix, Access access, bool isPrefix = false)
    {
        var auth = store.Auth;
        if (!auth.Enabled)
            return;

        // Authentication has already refused a caller without credentials on every key route.
        var identity = Caller.Of(context) ?? throw new ApiException(StatusCodes.Status401Unauthorized, "This request needs credentials.");
        if (auth.Allows(identity, keyOrPrefix, access))
            return;

        var what = access == Access.Read ? "read" : "write";
        var target = isPrefix ? $"every key under prefix '{KeyPath.Display(keyOrPrefix.ToArray())}'" : $"key '{KeyPath.Display(keyOrPrefix.ToArray())}'";
        throw new ApiException(StatusCodes.Status403Forbidden, $"User '{identity.Name}' lacks the {what} permission on {target}: no role of theirs grants it.");
    }
}
