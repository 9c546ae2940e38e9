using System.Globalization;
using System.Net;

namespace Quorum.Store.Raft;

/// <summary>Parses and prints the <c>host:port</c> addresses members use to reach each other.</summary>
public static class NetworkAddress
{
    /// <summary>Parses <c>host:port</c>, where host is an IPv4 address, a bracketed IPv6 address, or a DNS name.</summary>
    /// <param name="text">The address.</param>
    /// <param name="endPoint">The parsed address.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a valid address.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EndPoint? endPoint)
    {
        endPoint = null;
        if (string.IsNullOrWhiteSpace(text))
            return false;

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            return false;

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        else if (host.Contains(':', StringComparison.Ordinal))
            return false; // an IPv6 address must be bracketed

        if (IPAddress.TryParse(host, out var address))
        {
            endPoint = new IPEndPoint(address, port);
            return true;
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
            return false;

        endPoint = new DnsEndPoint(host, port);
        return true;
    }

    /// <summary>Prints an address as <c>host:port</c>.</summary>
    /// <param name="endPoint">The address.</param>
    /// <returns>The text.</returns>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => ip.ToString(),
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? string.Empty,
    };
}
