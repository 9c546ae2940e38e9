using System.Net;
using System.Net.Sockets;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>Hands out loopback TCP ports that are free now and not handed out before in this run.</summary>
internal static class Ports
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Given.Add(port))
                    return port;
            }
        }
    }
}
