using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Quorum.Store.Auth;

/// <summary>
/// Bearer tokens: who, which password generation, and until when, signed with HMAC-SHA256 under
/// the replicated token key, so any node can check a token another issued. A token ends when it
/// expires, when its user is deleted, or when the user's password changes (the generation moves).
/// </summary>
public sealed partial class AuthState
{
    private const char UserKind = 'u';
    private const char NodeKind = 'n';

    /// <summary>Issues a token.</summary>
    /// <param name="identity">Who it proves: a user (whose current password generation it names) or a node.</param>
    /// <param name="expires">When it stops being accepted.</param>
    /// <returns>The token, or <see langword="null"/> when there is no key yet (auth never enabled) or no such user.</returns>
    public string? IssueToken(Identity identity, DateTimeOffset expires)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (TokenKey.Length == 0)
            return null;

        long generation = 0;
        if (!identity.IsNode)
        {
            if (!UserRecords.TryGetValue(identity.Name, out var user))
                return null;
            generation = user.Generation;
        }

        var payload = Encoding.UTF8.GetBytes(string.Join('\n', identity.IsNode ? NodeKind : UserKind, identity.Name, generation.ToString(CultureInfo.InvariantCulture), expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(TokenKey, payload));
    }

    /// <summary>Checks a token: its signature (in constant time), its expiry, and that its user and password generation are current.</summary>
    /// <param name="token">The token.</param>
    /// <param name="now">The time now.</param>
    /// <returns>Who it proves, or <see langword="null"/> for a token that is forged, expired or no longer valid.</returns>
    public Identity? ValidateToken(string token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(token);
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (TokenKey.Length == 0 || dot <= 0)
            return null;

        byte[] payload, signature;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(TokenKey, payload), signature))
            return null;

        var fields = Encoding.UTF8.GetString(payload).Split('\n');
        if (fields.Length != 4 || fields[0].Length != 1
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires <= now.ToUnixTimeSeconds())
            return null;

        return fields[0][0] switch
        {
            NodeKind => new Identity(fields[1], IsNode: true),
            UserKind when UserRecords.TryGetValue(fields[1], out var user) && user.Generation == generation => new Identity(user.Name),
            _ => null,
        };
    }
}
