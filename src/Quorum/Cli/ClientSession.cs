using Quorum.Client;
namespace Quorum.Cli;

/// <summary>What a client verb works with: the members, a client for them, and the standard streams.</summary>
/// <param name="Endpoints">The members' base URLs, in the order given.</param>
/// <param name="Client">The client, which moves on to the next member when one is unreachable or has no leader.</param>
/// <param name="Console">The standard streams.</param>
internal sealed record ClientSession(IReadOnlyList<Uri> Endpoints, QuorumClient Client, CliConsole Console);
