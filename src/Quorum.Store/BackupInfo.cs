namespace Quorum.Store;

/// <summary>What a backup file holds, as its header says once its checksum has been checked.</summary>
/// <param name="Revision">The store revision the copy reflects: every write with a revision up to it, and none after.</param>
/// <param name="Keys">The number of live keys in it.</param>
/// <param name="Bytes">The file's size.</param>
public sealed record BackupInfo(long Revision, long Keys, long Bytes);
