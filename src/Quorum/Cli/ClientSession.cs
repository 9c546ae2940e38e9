using Quorum.Client;

namespace Quorum.Cli;

/// <summary>What a client verb works with: a client for the members, and the standard streams.</summary>
/// <param name="Client">The client, which moves on to the next member when one is unreachable or has no leader.</param>
/// <param name="Console">The standard streams.</param>
internal sealed record ClientSession(QuorumClient Client, CliConsole Console);
