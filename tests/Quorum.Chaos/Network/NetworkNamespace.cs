using System.Globalization;

namespace Quorum.Chaos.Network;

/// <summary>
/// A private network namespace for one run: its own loopback, its own firewall, nothing shared
/// with the host's network. Every node and client of a run lives in it; it is deleted at the end.
/// </summary>
/// <param name="name">The namespace's name.</param>
internal sealed class NetworkNamespace(string name) : IDisposable
{
    private const string Prefix = "quorum-chaos-";

    public string Name => name;

    /// <summary>Creates a namespace named after this process, with its loopback up, after deleting those left by runs that died.</summary>
    public static NetworkNamespace Create()
    {
        SweepAbandoned();
        var created = new NetworkNamespace(Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Shell.Check("ip", "netns", "add", created.Name);
        Shell.Check("ip", "netns", "exec", created.Name, "ip", "link", "set", "lo", "up");
        return created;
    }

    /// <summary>Kills every process left in the namespace and deletes it.</summary>
    public void Dispose() => Delete(name);

    private static void SweepAbandoned()
    {
        var (_, list) = Shell.Run("ip", "netns", "list");
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var existing = line.Split(' ')[0];
            if (existing.StartsWith(Prefix, StringComparison.Ordinal)
                && int.TryParse(existing.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && !Directory.Exists($"/proc/{pid}"))
            {
                Delete(existing);
            }
        }
    }

    private static void Delete(string namespaceName)
    {
        var (_, pids) = Shell.Run("ip", "netns", "pids", namespaceName);
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            Shell.Run("kill", "-9", pid);

        Shell.Run("ip", "netns", "del", namespaceName);
    }
}
