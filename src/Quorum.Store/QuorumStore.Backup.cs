namespace Quorum.Store;

/// <summary>Backups: a consistent copy of the whole state, taken on any node while writes go on.</summary>
public sealed partial class QuorumStore
{
    /// <summary>
    /// Captures a point-in-time copy of the whole replicated state (keys with their revisions and
    /// leases, users and roles, the member table) that holds every write completed before the call:
    /// it first waits on the same read barrier as a linearizable read, then pins the state this node
    /// has applied by then. Capturing takes no lock that writes wait for.
    /// </summary>
    /// <param name="token">Cancels waiting for the barrier.</param>
    /// <returns>The copy; dispose it once written.</returns>
    /// <exception cref="UnavailableException">The barrier could not be confirmed: no leader or no quorum.</exception>
    public async Task<StoreCopy> CopyAsync(CancellationToken token = default)
    {
        // Unlike GetAsync this ignores the test-only switch that skips the barrier: a backup that
        // misses acknowledged writes is never wanted.
        await readBarrier.WaitUntilCurrentAsync(token);

        var stateMachine = Node.StateMachine;
        var read = stateMachine.EnterRead();
        try
        {
            return new StoreCopy(stateMachine.State, read);
        }
        catch
        {
            read.Dispose();
            throw;
        }
    }
}
