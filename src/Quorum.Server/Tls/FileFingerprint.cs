namespace Quorum.Server.Tls;

/// <summary>
/// What a set of files looked like when last read (length and last write time of each), so a
/// poller can tell that one of them changed without reading it.
/// </summary>
internal readonly record struct FileFingerprint(string Value)
{
    /// <summary>Takes the fingerprint of the files as they are now; a missing file counts as a state of its own.</summary>
    /// <param name="paths">The files.</param>
    /// <returns>The fingerprint.</returns>
    public static FileFingerprint Of(params string[] paths)
        => new(string.Join('|', paths.Select(static path =>
        {
            var info = new FileInfo(path);
            return info.Exists ? $"{info.Length}@{info.LastWriteTimeUtc.Ticks}" : "missing";
        })));
}
