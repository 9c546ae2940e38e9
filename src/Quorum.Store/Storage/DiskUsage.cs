namespace Quorum.Store.Storage;

/// <summary>Sizes of files in the data directory, for status; a file removed while it is measured counts as empty.</summary>
internal static class DiskUsage
{
    /// <summary>Gets a file's length.</summary>
    /// <param name="path">The file, or <see langword="null"/>.</param>
    /// <returns>Its length in bytes; 0 when there is no such file.</returns>
    public static long FileBytes(string? path)
    {
        if (path is null)
            return 0;

        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0; // replaced by a newer snapshot, or the log's cleaner removed it, meanwhile
        }
    }

    /// <summary>Gets the total length of the files under a folder.</summary>
    /// <param name="path">The folder.</param>
    /// <returns>The sum in bytes; 0 when the folder does not exist.</returns>
    public static long DirectoryBytes(string path)
    {
        try
        {
            return new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(static file => FileBytes(file.FullName));
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
    }
}
