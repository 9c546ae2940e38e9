using System.Runtime.InteropServices;

namespace Quorum.Store.Native;

/// <summary>The Linux calls the write-ahead log's trimmer makes: advising the kernel about a mapped range, and naming a path as the kernel does.</summary>
internal static partial class LinuxMemory
{
    private const int PageOutAdvice = 21; // MADV_PAGEOUT, Linux 5.4 and later
    private const int InvalidArgument = 22; // EINVAL

    /// <summary>Advises the kernel to page out a mapped range (<c>madvise(MADV_PAGEOUT)</c>).</summary>
    /// <param name="start">The range's first address.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <param name="unsupported">Set when the kernel does not know the advice (before Linux 5.4).</param>
    /// <returns>Whether the kernel took the advice; it does not when the range was unmapped meanwhile.</returns>
    public static bool TryPageOut(nint start, nuint length, out bool unsupported)
    {
        var ok = Advise(start, length, PageOutAdvice) == 0;
        unsupported = !ok && Marshal.GetLastPInvokeError() == InvalidArgument;
        return ok;
    }

    /// <summary>Resolves a path as the kernel names it in <c>/proc/self/maps</c>: absolute, no symbolic links.</summary>
    /// <param name="path">An absolute path.</param>
    /// <returns>The resolved path, or <see langword="null"/> when it cannot be resolved.</returns>
    public static string? RealPath(string path)
    {
        var resolved = RealPath(path, 0);
        if (resolved == 0)
            return null;

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Marshal.FreeHGlobal(resolved); // free(): realpath allocated it with malloc
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Advise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPath(string path, nint resolved);
}
