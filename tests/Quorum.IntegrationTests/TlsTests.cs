using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>TLS on the HTTP API and between nodes, with real certificates made by the test and real processes.</summary>
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TemporaryDirectory files = new("quorum-tls");
    private readonly TestAuthority apiCa = TestAuthority.Create("quorum test API CA");
    private readonly TestAuthority peerCa = TestAuthority.Create("quorum test peer CA");
    private readonly TestAuthority strangerCa = TestAuthority.Create("someone else's CA");

    [Fact]
    public async Task A_node_with_a_certificate_speaks_https_only()
    {
        var (cert, key) = TestAuthority.Write(apiCa.Issue("node"), PathOf("api"));
        await using var cluster = await TestCluster.StartAsync(1, output, new ClientTls([apiCa.Certificate]), "--cert-file", cert, "--key-file", key);
        var node = cluster[0];

        Assert.StartsWith("https://", node.HttpUrl, StringComparison.Ordinal);
        var revision = await node.Client.PutAsync("secret", "value");
        Assert.Equal("value", await node.Client.GetStringAsync("secret"));
        var members = await node.Client.GetMembersAsync();
        Assert.Equal(node.HttpUrl, Assert.Single(members).Http);

        // The same port, spoken to in plain HTTP, gives no answer at all.
        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{node.HttpPort}/key/secret"));
        output.WriteLine($"plain HTTP: {refused.Message}");
        Assert.Equal(revision, (await node.Client.GetAsync("secret"))!.Revision);
    }

    [Fact]
    public async Task With_client_cert_auth_a_handshake_needs_a_certificate_from_the_trusted_ca()
    {
        var (cert, key) = TestAuthority.Write(apiCa.Issue("node"), PathOf("api"));
        var trusted = apiCa.WriteBundle(PathOf("ca.pem"));
        var alice = new ClientTls([apiCa.Certificate], apiCa.Issue("alice"));
        await using var cluster = await TestCluster.StartAsync(1, output, alice, "--cert-file", cert, "--key-file", key, "--trusted-ca-file", trusted, "--client-cert-auth", "true");
        var node = cluster[0];
        Assert.True(await node.Client.PutAsync("k", "v") > 0);

        foreach (var (what, tls) in new[]
        {
            ("no client certificate", new ClientTls([apiCa.Certificate])),
            ("a certificate from another CA", new ClientTls([apiCa.Certificate], strangerCa.Issue("mallory"))),
        })
        {
            using var http = new HttpClient(tls.CreateHandler()) { Timeout = Timeout };
            var failure = await Assert.ThrowsAsync<HttpRequestException>(() => http.PutAsync($"{node.HttpUrl}/key/k", new StringContent("changed")));
            output.WriteLine($"{what}: {failure.Message}");
        }

        Assert.Equal("v", await node.Client.GetStringAsync("k"));
    }

    [Fact]
    public async Task With_client_cert_auth_and_auth_on_a_certificate_names_its_user()
    {
        var (cert, key) = TestAuthority.Write(apiCa.Issue("node"), PathOf("api"));
        var trusted = apiCa.WriteBundle(PathOf("ca.pem"));
        var root = new ClientTls([apiCa.Certificate], apiCa.Issue("root"));
        await using var cluster = await TestCluster.StartAsync(1, output, root, "--cert-file", cert, "--key-file", key, "--trusted-ca-file", trusted, "--client-cert-auth", "true");
        var node = cluster[0];

        // Set up over root's certificate while auth is off, then turn it on: from then on the
        // certificate alone, with no Authorization header, makes the caller root.
        foreach (var (method, path, body) in new[]
        {
            ("PUT", "/auth/users/root", """{"password":"root-pw"}"""),
            ("PUT", "/auth/roles/app", """{"permissions":[{"prefix":"app/","access":"readwrite"}]}"""),
            ("PUT", "/auth/users/alice", """{"password":"alice-pw","roles":["app"]}"""),
            ("POST", "/auth/enable", null),
        })
        {
            using var response = await node.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body) });
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode}");
        }

        Assert.Equal("""{"name":"root","roles":[]}""", await node.Http.GetStringAsync("/auth/whoami"));

        var alice = new ClientTls([apiCa.Certificate], apiCa.Issue("alice"));
        using var asAlice = new HttpClient(alice.CreateHandler()) { BaseAddress = new Uri(node.HttpUrl), Timeout = Timeout };
        Assert.Equal("""{"name":"alice","roles":["app"]}""", await asAlice.GetStringAsync("/auth/whoami"));
        using (var allowed = await asAlice.PutAsync("/key/app/x", new StringContent("by alice")))
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using (var forbidden = await asAlice.PutAsync("/key/other", new StringContent("by alice")))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        // A certificate naming nobody the cluster knows is no one: 401, and nothing written.
        var stranger = new ClientTls([apiCa.Certificate], apiCa.Issue("mallory"));
        using var asStranger = new HttpClient(stranger.CreateHandler()) { BaseAddress = new Uri(node.HttpUrl), Timeout = Timeout };
        using (var refused = await asStranger.PutAsync("/key/app/x", new StringContent("by mallory")))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("by alice", await node.Http.GetStringAsync("/key/app/x"));
    }

    [Fact]
    public async Task Peers_replicate_over_mutual_tls_and_refuse_a_raft_connection_without_a_peer_certificate()
    {
        var (cert, key) = TestAuthority.Write(apiCa.Issue("node"), PathOf("api"));
        var (peerCert, peerKey) = TestAuthority.Write(peerCa.Issue("peer"), PathOf("peer"));
        string[] flags =
        [
            "--cert-file", cert, "--key-file", key, "--trusted-ca-file", apiCa.WriteBundle(PathOf("ca.pem")),
            "--peer-cert-file", peerCert, "--peer-key-file", peerKey, "--peer-trusted-ca-file", peerCa.WriteBundle(PathOf("peer-ca.pem")),
        ];
        var tls = new ClientTls([apiCa.Certificate], apiCa.Issue("operator"));
        await using var cluster = await TestCluster.StartAsync(3, output, tls, flags);
        var leader = await cluster.WaitForLeaderAsync(Timeout);
        var follower = cluster.Nodes.First(n => n != leader);

        // A write through a follower is forwarded to the leader, and a linearizable read on a
        // follower asks the leader's read index: both are node-to-node HTTPS with the peer certificate.
        var revision = await follower.Client.PutAsync("replicated", "over mTLS");
        foreach (var node in cluster.Nodes)
            Assert.Equal("over mTLS", await node.Client.GetStringAsync("replicated"));

        // The node-only route refuses a client whose certificate is not a peer's.
        using (var readIndex = await leader.Http.GetAsync("/raft/read-index"))
            Assert.Equal(HttpStatusCode.Forbidden, readIndex.StatusCode);

        foreach (var (what, certificate) in new[] { ("no certificate", (X509Certificate2?)null), ("a certificate from another CA", strangerCa.Issue("intruder")), ("a client certificate of the API CA", apiCa.Issue("operator")) })
            await AssertRaftRefusesAsync(leader.RaftPort, what, certificate);
        await AssertRaftRefusesPlainBytesAsync(leader.RaftPort);

        // Still three members, the same leader's cluster, and writes go on.
        Assert.Equal(3, (await leader.Client.GetMembersAsync()).Count);
        Assert.True(await leader.Client.PutAsync("after", "intruders") > revision);
        Assert.Equal("intruders", await follower.Client.GetStringAsync("after"));
    }

    [Fact]
    public async Task Certificate_key_and_ca_are_reloaded_from_disk_without_a_restart()
    {
        var (cert, key) = TestAuthority.Write(apiCa.Issue("node-before"), PathOf("api"));
        var trusted = apiCa.WriteBundle(PathOf("ca.pem"));
        var rotatedCa = TestAuthority.Create("rotated API CA");
        try
        {
            var before = new ClientTls([apiCa.Certificate, rotatedCa.Certificate], apiCa.Issue("old-client"));
            await using var cluster = await TestCluster.StartAsync(1, output, before, "--cert-file", cert, "--key-file", key, "--trusted-ca-file", trusted, "--client-cert-auth", "true");
            var node = cluster[0];
            Assert.True(await node.Client.PutAsync("k", "before") > 0);
            Assert.Single(before.ServerCertificatesSeen);

            // Replace all three files: a server certificate from the new CA, and the new CA as the
            // only one client certificates may chain to.
            var newServer = rotatedCa.Issue("node-after");
            File.Move(WriteAside(newServer, "api-new"), cert, overwrite: true);
            File.Move(PathOf("api-new-key.pem"), key, overwrite: true);
            rotatedCa.WriteBundle(trusted + ".new");
            File.Move(trusted + ".new", trusted, overwrite: true);
            var replaced = Stopwatch.StartNew();

            var after = new ClientTls([rotatedCa.Certificate], rotatedCa.Issue("new-client"));
            await Eventually.UntilAsync(
                async () =>
                {
                    using var http = new HttpClient(after.CreateHandler()) { Timeout = Timeout };
                    using var response = await http.GetAsync($"{node.HttpUrl}/key/k");
                    return response.IsSuccessStatusCode;
                },
                TimeSpan.FromSeconds(15),
                "a new connection to see the new certificate and CA");
            output.WriteLine($"new files in use after {replaced.Elapsed.TotalSeconds:0.0}s");
            Assert.True(replaced.Elapsed < TimeSpan.FromSeconds(10), $"the contract allows 10 s; took {replaced.Elapsed}");
            Assert.Equal(newServer.Thumbprint, after.ServerCertificatesSeen[^1]);

            // A new connection with a client certificate of the old CA is refused now...
            var stale = new ClientTls([apiCa.Certificate, rotatedCa.Certificate], apiCa.Issue("old-client-2"));
            using (var http = new HttpClient(stale.CreateHandler()) { Timeout = Timeout })
                await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"{node.HttpUrl}/key/k"));

            // ...while the old client's open connection goes on working, without a new handshake.
            Assert.True(await node.Client.PutAsync("k", "after") > 0);
            Assert.Equal("after", await node.Client.GetStringAsync("k"));
            Assert.Single(before.ServerCertificatesSeen);
        }
        finally
        {
            rotatedCa.Dispose();
        }
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("mismatched")]
    [InlineData("expired")]
    public async Task An_unusable_certificate_stops_the_node_at_start_naming_the_file(string problem)
    {
        var (cert, key) = TestAuthority.Write(problem == "expired" ? apiCa.Issue("old", DateTimeOffset.UtcNow.AddDays(-1)) : apiCa.Issue("node"), PathOf("api"));
        var expected = problem switch
        {
            "missing" => (PathOf("nowhere.pem"), "does not exist"),
            "mismatched" => (key, "does not hold the private key"),
            _ => (cert, "expired on"),
        };
        if (problem == "missing")
            cert = PathOf("nowhere.pem");
        if (problem == "mismatched")
            File.Copy(TestAuthority.Write(apiCa.Issue("other"), PathOf("other")).Key, key, overwrite: true);

        await using var program = QuorumProgram.Start(["serve", "--data-dir", PathOf("data"), "--http-port", Ports.Next().ToString(), "--raft-port", Ports.Next().ToString(), "--cert-file", cert, "--key-file", key]);
        Assert.Equal(1, await program.WaitForExitAsync(Timeout));
        output.WriteLine(program.Output);
        Assert.Contains(expected.Item1, program.Output);
        Assert.Contains(expected.Item2, program.Output);
    }

    [Theory]
    [InlineData("--cert-file", "go together")]
    [InlineData("--peer-cert-file", "needs all three")]
    [InlineData("--trusted-ca-file", "needs --cert-file and --key-file")]
    public async Task Tls_flags_that_cannot_work_together_are_refused_at_start(string flag, string message)
    {
        var (cert, _) = TestAuthority.Write(apiCa.Issue("node"), PathOf("api"));
        await using var program = QuorumProgram.Start(["serve", "--data-dir", PathOf("data"), "--http-port", Ports.Next().ToString(), "--raft-port", Ports.Next().ToString(), flag, cert]);
        Assert.Equal(1, await program.WaitForExitAsync(Timeout));
        output.WriteLine(program.Output);
        Assert.Contains(message, program.Output);
        Assert.False(Directory.Exists(PathOf("data")), "a refused node must not create its data directory");
    }

    public void Dispose()
    {
        apiCa.Dispose();
        peerCa.Dispose();
        strangerCa.Dispose();
        files.Dispose();
    }

    // Connects to a Raft port with TLS, presenting the certificate if any, and expects the node to
    // end the connection: at the handshake, or (TLS 1.3 checks the client's certificate after the
    // client has finished) at the first read. A node that let the connection in would leave that
    // read waiting for a request, which the deadline turns into a failure.
    private async Task AssertRaftRefusesAsync(int port, string what, X509Certificate2? certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var ssl = new SslStream(tcp.GetStream());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    ClientCertificates = certificate is null ? null : [certificate],
                    LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
                    // The intruder does not care who the server is; the point is whether it is let in.
                    RemoteCertificateValidationCallback = (_, server, _, _) => server is not null,
                },
                deadline.Token);
            var read = await ssl.ReadAsync(new byte[16], deadline.Token);
            Assert.Equal(0, read);
            output.WriteLine($"raft port, {what}: closed after the handshake");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            output.WriteLine($"raft port, {what}: {e.GetType().Name}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The Raft port let in a TLS connection with {what}.");
        }
    }

    private async Task AssertRaftRefusesPlainBytesAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await stream.WriteAsync(new byte[64], deadline.Token);
        try
        {
            var buffer = new byte[64];
            while (await stream.ReadAsync(buffer, deadline.Token) > 0)
            {
            }
        }
        catch (IOException e)
        {
            output.WriteLine($"raft port, plain bytes: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("The Raft port kept a plain TCP connection open.");
        }
    }

    private string PathOf(string name) => Path.Combine(files.Path, name);

    private string WriteAside(X509Certificate2 certificate, string stem) => TestAuthority.Write(certificate, PathOf(stem)).Cert;
}
