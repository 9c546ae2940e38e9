using System.Net;
using System.Net.Sockets;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>Test nodes get ports no outgoing connection and no other test process can take first.</summary>
public sealed class PortsTests
{
    [Fact]
    public void A_port_is_below_the_ephemeral_range_locked_for_this_process_and_bindable()
    {
        var (first, last) = Ports.DefaultRange();
        var (ephemeralFirst, ephemeralLast) = Ports.EphemeralRange();
        Assert.True(last < ephemeralFirst || first > ephemeralLast, $"{first}-{last} overlaps the ephemeral range {ephemeralFirst}-{ephemeralLast}");

        var port = Ports.Next();
        Assert.InRange(port, first, last);
        Assert.NotEqual(port, Ports.Next());

        // Another process (or another open file of this one: flock locks conflict either way) cannot lock it.
        Assert.Throws<IOException>(() => new FileStream(Path.Combine(Ports.LockDirectory, $"{port}.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None));
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
    }

    [Fact]
    public void A_port_locked_by_another_process_or_listened_on_is_skipped()
    {
        // Three ports reserved for this process, so nothing else uses them, tried by an allocator of
        // their own lock folder: the first locked as another process would, the second listened on.
        int[] ports = [Ports.Next(), Ports.Next(), Ports.Next()];
        using var directory = new TemporaryDirectory("quorum-ports");
        var allocator = new PortAllocator(ports, directory.Path);
        var locked = new FileStream(Path.Combine(directory.Path, $"{ports[0]}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var listener = new TcpListener(IPAddress.Loopback, ports[1]);
        listener.Start();

        Assert.Equal(ports[2], allocator.Next());
        Assert.Throws<InvalidOperationException>(() => allocator.Next());

        // Once the other process lets go, its port is handed out.
        locked.Dispose();
        Assert.Equal(ports[0], allocator.Next());
    }
}
