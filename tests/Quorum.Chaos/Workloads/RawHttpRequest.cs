using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// One HTTP/1.1 request on a socket of its own, sent in full before <see cref="SendAsync"/> returns.
/// On loopback a completed send is already in the receiver's socket buffer, so a request to a paused
/// node is certainly waiting for it when it runs again.
/// </summary>
internal sealed class RawHttpRequest : IDisposable
{
    private readonly Socket socket;

    private RawHttpRequest(Socket socket) => this.socket = socket;

    /// <summary>Connects and sends the request (with <c>Connection: close</c>, so the answer ends at the end of the stream).</summary>
    public static async Task<RawHttpRequest> SendAsync(string host, int port, string method, string path, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A paused node's listening socket still completes the handshake: the kernel does it.
            await socket.ConnectAsync(IPAddress.Parse(host), port, token);
            var request = Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
            for (var sent = 0; sent < request.Length;)
                sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, token);

            return new RawHttpRequest(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the whole answer.</summary>
    /// <exception cref="IOException">The connection ended before a complete answer.</exception>
    public async Task<(HttpStatusCode Status, string? ETag, string Body)> ReadResponseAsync(CancellationToken token)
    {
        using var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, token)) > 0)
                received.Write(buffer, 0, read);
        }
        catch (SocketException e)
        {
            throw new IOException($"The connection broke: {e.Message}", e);
        }

        var bytes = received.ToArray();
        var headerEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0)
            throw new IOException($"The connection ended before a complete answer ({bytes.Length} bytes).");

        var lines = Encoding.ASCII.GetString(bytes, 0, headerEnd).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            throw new IOException($"Not an HTTP status line: '{lines[0]}'.");

        string? etag = null;
        var chunked = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
                continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("ETag", StringComparison.OrdinalIgnoreCase))
                etag = value;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                chunked = true;
        }

        var body = bytes.AsMemory(headerEnd + 4);
        return ((HttpStatusCode)status, etag, Encoding.UTF8.GetString(chunked ? Unchunk(body.Span) : body.Span));
    }

    public void Dispose() => socket.Dispose();

    private static byte[] Unchunk(ReadOnlySpan<byte> body)
    {
        var result = new List<byte>();
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            if (lineEnd < 0 || !int.TryParse(Encoding.ASCII.GetString(body[..lineEnd]).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || body.Length < lineEnd + 2 + size)
                throw new IOException("A chunked answer ended early.");
            if (size == 0)
                return [.. result];
            result.AddRange(body.Slice(lineEnd + 2, size));
            body = body[Math.Min(body.Length, lineEnd + 2 + size + 2)..];
        }
    }
}
