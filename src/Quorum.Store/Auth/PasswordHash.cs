using System.Security.Cryptography;
using System.Text;

namespace Quorum.Store.Auth;

/// <summary>A salted, deliberately slow hash of a password (PBKDF2 with HMAC-SHA256, from the BCL).</summary>
/// <param name="Iterations">PBKDF2 iterations.</param>
/// <param name="Salt">The random salt.</param>
/// <param name="Hash">The derived bytes.</param>
internal sealed record PasswordHash(int Iterations, byte[] Salt, byte[] Hash)
{
    /// <summary>
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256: about 150 ms per hash on the 2-core test host.
    /// A node pays it once per credential: verified credentials are cached (<see cref="CredentialCache"/>).
    /// </summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Hashes a password with a fresh salt.</summary>
    /// <param name="password">The password.</param>
    /// <param name="iterations">PBKDF2 iterations.</param>
    /// <returns>The hash.</returns>
    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new(iterations, salt, Derive(password, salt, iterations, HashBytes));
    }

    /// <summary>Tells whether a password is the one hashed, comparing in constant time.</summary>
    /// <param name="password">The password to check.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    public bool Verify(string password)
        => CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations, Hash.Length), Hash);

    private static byte[] Derive(string password, byte[] salt, int iterations, int length)
        => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, length);
}
