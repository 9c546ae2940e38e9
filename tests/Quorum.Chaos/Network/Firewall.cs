namespace Quorum.Chaos.Network;

/// <summary>
/// Network partitions between nodes, as iptables DROP rules inside the run's namespace.
/// </summary>
/// <remarks>
/// An outgoing connection to 127.0.0.x leaves from 127.0.0.1 unless its socket is bound, so a rule
/// on source addresses would miss it. Each node therefore runs under its own uid, and a rule in
/// OUTPUT matches the sending node by <c>-m owner --uid-owner</c> and the receiving node by its
/// address. Packets of established connections are dropped too, as a cut cable would. Clients (the
/// runner, as root) are never cut off.
/// </remarks>
internal sealed class Firewall
{
    private const string DefaultChain = "QUORUM-CHAOS";

    private readonly string chain;

    private Firewall(string chain) => this.chain = chain;

    /// <summary>Sets up the rule chain, hooked into OUTPUT; must run inside the namespace.</summary>
    public static Firewall Create()
    {
        Shell.Check("iptables", "-N", DefaultChain);
        Shell.Check("iptables", "-A", "OUTPUT", "-j", DefaultChain);
        return new Firewall(DefaultChain);
    }

    /// <summary>Cuts every link between the two groups, in both directions.</summary>
    public void Partition(IReadOnlyCollection<(int Uid, string Address)> side, IReadOnlyCollection<(int Uid, string Address)> otherSide)
    {
        foreach (var a in side)
        {
            foreach (var b in otherSide)
            {
                Drop(a.Uid, b.Address);
                Drop(b.Uid, a.Address);
            }
        }
    }

    /// <summary>
    /// Drops a random <paramref name="probability"/> of one node's packets, both ways: those its
    /// uid sends and those sent to its address (by peers and clients alike).
    /// </summary>
    public void Lose(int uid, string address, double probability)
    {
        string[] sample = ["-m", "statistic", "--mode", "random", "--probability", probability.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), "-j", "DROP"];
        Shell.Check("iptables", ["-A", chain, "-m", "owner", "--uid-owner", uid.ToString(System.Globalization.CultureInfo.InvariantCulture), .. sample]);
        Shell.Check("iptables", ["-A", chain, "-d", address, .. sample]);
    }

    /// <summary>Gets how many packets the chain's random-drop rules have dropped so far, by the kernel's own counters.</summary>
    public long RandomlyDropped()
        => Shell.Run("iptables", "-L", chain, "-v", "-x", "-n").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(static line => line.Contains("statistic", StringComparison.Ordinal) && line.Contains("DROP", StringComparison.Ordinal))
            .Sum(static line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Removes every partition.</summary>
    public void Heal() => Shell.Check("iptables", "-F", chain);

    /// <summary>
    /// Tells whether a process running as <paramref name="uid"/> can open a TCP connection to the
    /// address and port now: the proof that a cut is in force (or healed), at the socket level.
    /// A dropped connection attempt takes the full 2 s to give up.
    /// </summary>
    public static bool CanConnect(int uid, string address, int port)
        => Shell.Run("setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "timeout", "2", "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}").ExitCode == 0;

    /// <summary>Gets the current rules, for reports.</summary>
    public string Rules() => Shell.Run("iptables", "-S", chain).Output;

    private void Drop(int uid, string address)
        => Shell.Check("iptables", "-A", chain, "-m", "owner", "--uid-owner", uid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-d", address, "-j", "DROP");
}
