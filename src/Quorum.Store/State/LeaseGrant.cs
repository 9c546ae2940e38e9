using Quorum.Store.Commands;

namespace Quorum.Store.State;

/// <summary>A key that was given a lease by the write at <paramref name="Revision"/>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The revision of the write that granted the lease.</param>
/// <param name="Lease">The lease.</param>
internal sealed record LeaseGrant(byte[] Key, long Revision, KeyLease Lease);
