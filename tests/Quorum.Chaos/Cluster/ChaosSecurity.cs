using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Quorum.Client;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.Chaos.Cluster;

/// <summary>
/// A run with TLS and auth on (<c>--secure</c>): a CA made for the run, one certificate every node
/// uses for its API and as a peer (naming 127.0.0.1-127.0.0.20), and two users: root, for the
/// runner's own checks and membership changes, and a workload user whose one role may read and
/// write every key, so that every workload request goes through the permission checks.
/// </summary>
internal sealed class ChaosSecurity : IDisposable
{
    private const string RootPassword = "chaos-root-password";
    private const string WorkloadName = "chaos";
    private const string WorkloadPassword = "chaos-workload-password";

    private readonly TestAuthority authority;

    private ChaosSecurity(TestAuthority authority, IReadOnlyList<string> nodeArgs)
    {
        this.authority = authority;
        NodeArgs = nodeArgs;
    }

    /// <summary>Gets the TLS flags of every node.</summary>
    public IReadOnlyList<string> NodeArgs { get; }

    /// <summary>Gets the runner's credentials.</summary>
    public static AuthenticationHeaderValue Root { get; } = Basic("root", RootPassword);

    /// <summary>Gets the workloads' credentials.</summary>
    public static AuthenticationHeaderValue Workload { get; } = Basic(WorkloadName, WorkloadPassword);

    /// <summary>Makes the CA and the nodes' certificate, as files every node's uid can read.</summary>
    /// <param name="workDirectory">The run's directory; the files go to <c>tls/</c> in it.</param>
    /// <returns>The run's security.</returns>
    public static ChaosSecurity Create(string workDirectory)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, "tls")).FullName;
        var authority = TestAuthority.Create("quorum chaos CA");
        var addresses = Enumerable.Range(1, 20).Select(static i => IPAddress.Parse($"127.0.0.{i}")).ToArray();
        var (cert, key) = TestAuthority.Write(authority.Issue("quorum chaos node", addresses: addresses), Path.Combine(directory, "node"));
        var ca = authority.WriteBundle(Path.Combine(directory, "ca.pem"));
        Shell.Check("chmod", "755", directory);
        Shell.Check("chmod", "644", cert, key, ca);

        return new(authority, ["--cert-file", cert, "--key-file", key, "--peer-cert-file", cert, "--peer-key-file", key, "--peer-trusted-ca-file", ca]);
    }

    /// <summary>Makes a client handler trust the run's CA (and check the node's address against the certificate).</summary>
    /// <param name="handler">The handler.</param>
    /// <returns>The same handler.</returns>
    public SocketsHttpHandler Trust(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && Issued(certificate));
        return handler;
    }

    /// <summary>Gets the options of a <see cref="QuorumClient"/> that speaks as the workload user.</summary>
    /// <returns>The options.</returns>
    public QuorumClientOptions WorkloadClient() => new() { User = WorkloadName, Password = WorkloadPassword, TrustedAuthorities = [authority.Certificate] };

    /// <summary>
    /// Creates the users and the role, then turns auth on, through <paramref name="http"/> (which
    /// sends root's credentials), and checks that it took effect: an anonymous request gets 401.
    /// </summary>
    /// <param name="http">A client of any member.</param>
    /// <param name="token">Cancels waiting.</param>
    /// <returns>A task that completes when auth is on.</returns>
    public async Task EnableAuthAsync(HttpClient http, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(http);
        (string Method, string Path, string? Body)[] steps =
        [
            ("PUT", "/auth/users/root", $$"""{"password":"{{RootPassword}}"}"""),
            ("PUT", "/auth/roles/workload", """{"permissions":[{"prefix":"","access":"readwrite"}]}"""),
            ("PUT", $"/auth/users/{WorkloadName}", $$"""{"password":"{{WorkloadPassword}}","roles":["workload"]}"""),
            ("POST", "/auth/enable", null),
        ];
        foreach (var (method, path, body) in steps)
        {
            await Wait.UntilAsync(
                async () =>
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body) };
                    using var response = await http.SendAsync(request, token);
                    return response.IsSuccessStatusCode;
                },
                TimeSpan.FromSeconds(60),
                $"{method} {path} to succeed",
                token);
        }

        using var anonymous = new HttpClient(Trust(new SocketsHttpHandler { UseProxy = false })) { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(
            async () =>
            {
                using var response = await anonymous.GetAsync("/key/auth-check", token);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            },
            TimeSpan.FromSeconds(30),
            "an anonymous request to be refused with 401",
            token);
        RunLog.Write("TLS and auth on: an anonymous request is refused with 401; workloads speak as 'chaos'");
    }

    /// <inheritdoc/>
    public void Dispose() => authority.Dispose();

    private static AuthenticationHeaderValue Basic(string user, string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private bool Issued(X509Certificate? certificate)
    {
        if (certificate is not X509Certificate2 server)
            return false;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(authority.Certificate);
        return chain.Build(server);
    }
}
