using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>The CLI against a node with HTTPS and auth: the user, role and auth verbs, and the credential and TLS flags.</summary>
public sealed class CliAuthTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryDirectory files = new("quorum-cli-auth");
    private readonly TestAuthority ca = TestAuthority.Create("quorum CLI test CA");

    [Fact]
    public async Task An_operator_sets_up_users_and_roles_turns_auth_on_and_users_get_what_their_roles_grant()
    {
        var (cert, key) = TestAuthority.Write(ca.Issue("node"), Path.Combine(files.Path, "api"));
        var caFile = ca.WriteBundle(Path.Combine(files.Path, "ca.pem"));
        await using var cluster = await TestCluster.StartAsync(1, output, new ClientTls([ca.Certificate]), "--cert-file", cert, "--key-file", key);
        var node = cluster[0];
        node.Http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("root:root-pw"u8.ToArray()));

        Task<CliResult> Run(params string[] args) => QuorumCli.RunAsync([.. args, "--endpoints", node.HttpUrl, "--cacert", caFile]);
        async Task Ok(params string[] args)
        {
            var result = await Run(args);
            output.WriteLine($"quorum {string.Join(' ', args)}: {result}");
            Assert.True(result.ExitCode == 0, $"quorum {string.Join(' ', args)}: {result}");
        }

        await Ok("user", "add", "root:root-pw");
        await Ok("role", "add", "app");
        await Ok("role", "grant", "app", "app/", "readwrite");
        await Ok("user", "add", "alice:alice-pw");
        await Ok("user", "grant", "alice", "app");
        await Ok("auth", "enable");

        await Ok("put", "app/x", "v", "--user", "alice:alice-pw");
        var forbidden = await Run("put", "other", "v", "--user", "alice:alice-pw");
        Assert.Equal(1, forbidden.ExitCode);
        Assert.Contains("lacks the write permission on key 'other'", forbidden.Stderr, StringComparison.Ordinal);
        var anonymous = await Run("get", "app/x");
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("HTTP 401", anonymous.Stderr, StringComparison.Ordinal);

        var passwordFile = Path.Combine(files.Path, "alice.txt");
        await File.WriteAllTextAsync(passwordFile, "alice-pw\n");
        var whoami = await Run("auth", "whoami", "--user", "alice", "--password-file", passwordFile);
        Assert.Equal("{\"name\":\"alice\",\"roles\":[\"app\"]}\n", whoami.Stdout);
        var viaVariable = await QuorumCli.RunAsync(["get", "app/x", "--endpoints", node.HttpUrl, "--cacert", caFile], environment: new Dictionary<string, string> { ["QUORUM_USER"] = "alice:alice-pw" });
        Assert.Equal("v", viaVariable.Stdout.TrimEnd('\n'));

        var users = await Run("user", "list", "--user", "root:root-pw");
        Assert.Equal(["{\"name\":\"alice\",\"roles\":[\"app\"]}", "{\"name\":\"root\",\"roles\":[]}"], users.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var role = await Run("role", "get", "app", "--user", "root:root-pw");
        Assert.Equal("{\"name\":\"app\",\"permissions\":[{\"prefix\":\"app/\",\"access\":\"readwrite\"}]}\n", role.Stdout);

        // No password and no terminal to ask on: a clear error, nothing sent.
        var noPassword = await Run("get", "app/x", "--user", "alice");
        Assert.Equal(1, noPassword.ExitCode);
        Assert.Contains("no terminal", noPassword.Stderr, StringComparison.Ordinal);

        // Without the CA the server's certificate is not trusted.
        var untrusted = await QuorumCli.RunAsync(["get", "app/x", "--endpoints", node.HttpUrl, "--user", "alice:alice-pw"]);
        Assert.NotEqual(0, untrusted.ExitCode);

        await Ok("user", "revoke", "alice", "app", "--user", "root:root-pw");
        var revoked = await Run("get", "app/x", "--user", "alice:alice-pw");
        Assert.Contains("lacks the read permission", revoked.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        ca.Dispose();
        files.Dispose();
    }
}
