namespace Quorum.Client;

/// <summary>The condition and time to live of a put.</summary>
/// <param name="IfRevision">Apply only if the key is at this revision (0: absent).</param>
/// <param name="CreateOnly">Apply only if the key is absent.</param>
/// <param name="Ttl">Delete the key this long after the write is applied.</param>
public sealed record PutOptions(long? IfRevision = null, bool CreateOnly = false, TimeSpan? Ttl = null)
{
    /// <summary>Gets no condition and no TTL.</summary>
    public static PutOptions None { get; } = new();
}
