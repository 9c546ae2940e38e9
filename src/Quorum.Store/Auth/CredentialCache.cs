using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Quorum.Store.Auth;

/// <summary>
/// Credentials this node has verified, so a request does not pay the slow password hash each time.
/// An entry names the password generation it was verified against; once the user's password
/// changes, or the user is deleted, the entry no longer matches and is dropped.
/// </summary>
public sealed class CredentialCache
{
    // Bounds the memory that many distinct (wrong or right) passwords could take; past it, start over.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, long> verified = new(StringComparer.Ordinal);

    // One slow hash per credentials at a time: 64 clients arriving at once with the same password
    // would otherwise each pay it (about 150 ms of CPU apiece) before the first result is cached.
    private readonly ConcurrentDictionary<string, object> gates = new(StringComparer.Ordinal);

    /// <summary>Checks a user's password against the state, from the cache when this node has verified it before.</summary>
    /// <param name="auth">The current users.</param>
    /// <param name="user">The user's name.</param>
    /// <param name="password">The password given.</param>
    /// <returns>The user's identity, or <see langword="null"/> for an unknown user or a wrong password.</returns>
    public Identity? Verify(AuthState auth, string user, string password)
    {
        ArgumentNullException.ThrowIfNull(auth);
        if (!auth.UserRecords.TryGetValue(user, out var record))
            return null;

        // The key is a fast hash of the credentials, never the password itself.
        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(user + "\0" + password)));
        if (IsCached(key, record))
            return new Identity(record.Name);

        var gate = gates.GetOrAdd(key, static _ => new object());
        try
        {
            lock (gate)
            {
                if (IsCached(key, record))
                    return new Identity(record.Name);
                if (!record.Password.Verify(password))
                    return null;

                if (verified.Count >= MaxEntries)
                    verified.Clear();
                verified[key] = record.Generation;
                return new Identity(record.Name);
            }
        }
        finally
        {
            gates.TryRemove(KeyValuePair.Create(key, gate));
        }
    }

    private bool IsCached(string key, UserRecord record)
    {
        if (!verified.TryGetValue(key, out var generation))
            return false;
        if (generation == record.Generation)
            return true;

        verified.TryRemove(key, out _);
        return false;
    }
}
