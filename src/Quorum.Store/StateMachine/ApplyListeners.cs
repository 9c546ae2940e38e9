using Quorum.Store.Leases;
using Quorum.Store.Watching;

namespace Quorum.Store.StateMachine;

/// <summary>What the state machine tells about each applied entry; they belong to the store and outlive a Raft restart.</summary>
/// <param name="Watches">Receives the changes, for watchers.</param>
/// <param name="Leases">Receives the leases granted, for expiry.</param>
internal sealed record ApplyListeners(WatchHub Watches, LeaseTracker Leases);
