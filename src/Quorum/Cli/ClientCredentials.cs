using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// Who a client verb speaks as and whom it trusts, as the security contract spells the flags:
/// <c>--user NAME[:PASSWORD]</c> (<c>QUORUM_USER</c>; the password is asked for on the terminal
/// when it is needed and not given), <c>--password-file</c>, <c>--cacert</c>, <c>--cert</c>, <c>--key</c>.
/// </summary>
internal static class ClientCredentials
{
    /// <summary>The environment variable for <see cref="User"/>.</summary>
    public const string UserVariable = "QUORUM_USER";

    /// <summary>The user, and maybe its password.</summary>
    public static readonly Option<string> User = new("--user") { Description = $"send requests as this user; the password is asked for when not given [env: {UserVariable}]", HelpName = "NAME[:PASSWORD]" };

    /// <summary>A file holding the password.</summary>
    public static readonly Option<string> PasswordFile = new("--password-file") { Description = "read --user's password from this file (its first line)", HelpName = "FILE" };

    /// <summary>The CA bundle the server's certificate may chain to.</summary>
    public static readonly Option<string> CaCert = new("--cacert") { Description = "PEM CA bundle the members' certificates may chain to, besides the system's roots", HelpName = "FILE" };

    /// <summary>The client certificate.</summary>
    public static readonly Option<string> Cert = new("--cert") { Description = "PEM client certificate to present (with --key)", HelpName = "FILE" };

    /// <summary>The client certificate's key.</summary>
    public static readonly Option<string> Key = new("--key") { Description = "PEM private key of --cert", HelpName = "FILE" };

    /// <summary>Gets every flag, for each client verb.</summary>
    public static IReadOnlyList<Option> All { get; } = [User, PasswordFile, CaCert, Cert, Key];

    /// <summary>Reads the flags into the client's options.</summary>
    /// <param name="result">The verb's parsed command line.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns>The options.</returns>
    /// <exception cref="UsageException">Flags that do not go together.</exception>
    /// <exception cref="ConfigurationException">A file that cannot be read, or a password that is needed and cannot be asked for.</exception>
    public static QuorumClientOptions Read(ParseResult result, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(environment);
        var certPath = result.GetValue(Cert);
        var keyPath = result.GetValue(Key);
        if ((certPath is null) != (keyPath is null))
            throw new UsageException("--cert and --key go together");

        string? user = null, password = null;
        if ((result.GetValue(User) ?? environment(UserVariable)) is { Length: > 0 } given)
        {
            var colon = given.IndexOf(':', StringComparison.Ordinal);
            (user, password) = colon < 0 ? (given, null) : (given[..colon], given[(colon + 1)..]);
            if (result.GetValue(PasswordFile) is { } passwordFile)
                password = ReadFile(passwordFile, "password file").Split('\n')[0].TrimEnd('\r');
            password ??= Prompt($"Password for {user}: ");
        }

        try
        {
            return new QuorumClientOptions
            {
                User = user,
                Password = password,
                TrustedAuthorities = result.GetValue(CaCert) is { } ca ? QuorumClientOptions.ReadAuthorities(ca) : null,
                ClientCertificate = certPath is null ? null : X509Certificate2.CreateFromPemFile(certPath, keyPath),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
        {
            throw new ConfigurationException($"cannot use the TLS files given: {e.Message}");
        }
    }

    /// <summary>Asks for a secret on the terminal, without echoing it.</summary>
    /// <param name="prompt">What to ask.</param>
    /// <returns>What was typed.</returns>
    /// <exception cref="ConfigurationException">There is no terminal to ask on.</exception>
    public static string Prompt(string prompt)
    {
        if (Console.IsInputRedirected)
            throw new ConfigurationException("a password is needed and there is no terminal to ask for it on: give it as NAME:PASSWORD or in a file.");

        Console.Error.Write(prompt);
        var typed = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
                typed.Length--;
            else if (!char.IsControl(key.KeyChar))
                typed.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return typed.ToString();
    }

    private static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read the {what} {path}: {e.Message}");
        }
    }
}
