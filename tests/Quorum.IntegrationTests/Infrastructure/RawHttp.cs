using System.Net.Sockets;
using System.Text;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// Sends a request exactly as written over a plain socket: for targets an <see cref="HttpClient"/>
/// would normalize (a malformed percent escape), and for bodies that are announced but never sent
/// in full, to prove the server answers without waiting for them.
/// </summary>
internal static class RawHttp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Sends a request with a complete body and returns the status code and body of the answer.</summary>
    public static Task<(int Status, string Body)> SendAsync(int port, string method, string target, string body)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        return SendRawAsync(port, $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n", payload);
    }

    /// <summary>Writes <paramref name="head"/> and then <paramref name="body"/>, sends nothing more, and reads the answer.</summary>
    public static async Task<(int Status, string Body)> SendRawAsync(int port, string head, byte[] body)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, timeout.Token);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
        await stream.WriteAsync(body, timeout.Token);

        var response = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            response.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(response.ToArray());
            if (TryParse(text, out var parsed))
                return parsed;
        }

        return TryParse(Encoding.UTF8.GetString(response.ToArray()), out var last) ? last : throw new InvalidOperationException("No complete HTTP response.");
    }

    private static bool TryParse(string text, out (int Status, string Body) response)
    {
        response = default;
        var separator = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (separator < 0)
            return false;

        var head = text[..separator];
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var body = text[(separator + 4)..];
        if (lengthLine is not null && Encoding.UTF8.GetByteCount(body) < int.Parse(lengthLine.Split(':')[1].Trim()))
            return false;

        response = (int.Parse(head.Split(' ', 3)[1]), body);
        return true;
    }
}
