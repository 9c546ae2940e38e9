using System.Globalization;
using Quorum.Store.Commands;

namespace Quorum.Store;

/// <summary>The quota on live data (<see cref="StoreOptions.QuotaBytes"/>).</summary>
public sealed partial class QuorumStore
{
    /// <summary>Gets the bytes of live keys and values the quota counts: the same figure on every replica at the same revision.</summary>
    public long QuotaUsedBytes => State.Keys.Bytes;

    /// <summary>
    /// Refuses a command that would take the live data over the quota. Checked against the state
    /// this node has applied, before proposing, so a refused write never reaches the log; writes
    /// already in flight are not counted, so together they can pass the quota by their own size.
    /// A command that adds nothing (a delete, a transaction that only deletes, a put that does not
    /// grow its key) always passes, so a store over its quota can always be brought back under it.
    /// </summary>
    /// <exception cref="InsufficientStorageException">The command would take the store over its quota.</exception>
    private void EnsureWithinQuota(Command command)
    {
        var quota = options.QuotaBytes;
        if (quota == 0)
            return;

        var machine = Node.StateMachine;
        using var read = machine.EnterRead();
        var state = machine.State;
        var growth = state.GrowthOf(command);
        if (growth > 0 && state.Keys.Bytes + growth > quota)
        {
            throw new InsufficientStorageException(string.Create(
                CultureInfo.InvariantCulture,
                $"The store's quota is {quota} bytes of keys and values (--quota-bytes); it holds {state.Keys.Bytes} and this write would add {growth}. Delete keys to make room (that frees quota at once); nothing was changed."));
        }
    }
}
