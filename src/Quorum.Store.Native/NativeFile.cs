using System.Runtime.InteropServices;

namespace Quorum.Store.Native;

/// <summary>
/// The few POSIX file calls .NET does not expose: an advisory lock that belongs to one process,
/// and an fsync of a directory so a rename inside it survives a crash.
/// </summary>
internal static partial class NativeFile
{
    private const int ReadOnly = 0x0000;
    private const int ReadWrite = 0x0002;
    private const int Create = 0x0040;
    private const int CloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11;
    private const int Interrupted = 4;

    /// <summary>Opens (creating if needed) a file and takes an exclusive, non-blocking flock on it.</summary>
    /// <param name="path">The lock file.</param>
    /// <param name="descriptor">The open file descriptor; closing it releases the lock.</param>
    /// <returns><see langword="true"/> when the lock was taken; <see langword="false"/> when another process holds it.</returns>
    /// <exception cref="IOException">The file could not be opened or locked for another reason.</exception>
    public static bool TryLockExclusive(string path, out int descriptor)
    {
        descriptor = Open(path, ReadWrite | Create | CloseOnExec, Convert.ToUInt32("644", 8));
        if (descriptor < 0)
            throw new IOException($"cannot open {path}: {Marshal.GetLastPInvokeErrorMessage()}");

        int result;
        while ((result = Flock(descriptor, LockExclusive | LockNonBlocking)) != 0 && Marshal.GetLastPInvokeError() == Interrupted)
        {
        }

        if (result == 0)
            return true;

        var error = Marshal.GetLastPInvokeError();
        var message = Marshal.GetLastPInvokeErrorMessage();
        _ = Close(descriptor);
        descriptor = -1;
        return error == WouldBlock ? false : throw new IOException($"cannot lock {path}: {message}");
    }

    /// <summary>Closes a descriptor returned by <see cref="TryLockExclusive"/>, releasing its lock.</summary>
    /// <param name="descriptor">The descriptor.</param>
    public static void Release(int descriptor)
    {
        if (descriptor >= 0)
            _ = Close(descriptor);
    }

    /// <summary>Replaces the content of a file open as <paramref name="descriptor"/>.</summary>
    /// <param name="descriptor">The descriptor.</param>
    /// <param name="text">The new content.</param>
    /// <remarks>.NET's own file APIs take a shared flock on open, which our exclusive lock would refuse, so the lock file is written through the descriptor that holds the lock.</remarks>
    public static unsafe void Overwrite(int descriptor, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* pointer = bytes)
        {
            if (Ftruncate(descriptor, 0) != 0 || Pwrite(descriptor, pointer, (nuint)bytes.Length, 0) != bytes.Length)
                throw new IOException($"cannot write the lock file: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>Reads up to 256 bytes of a file without taking any lock.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The text, or empty when it cannot be read.</returns>
    public static unsafe string ReadSmallFile(string path)
    {
        var descriptor = Open(path, ReadOnly | CloseOnExec, 0);
        if (descriptor < 0)
            return string.Empty;

        try
        {
            var buffer = stackalloc byte[256];
            var read = Pread(descriptor, buffer, 256, 0);
            return read > 0 ? System.Text.Encoding.UTF8.GetString(buffer, (int)read) : string.Empty;
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>Flushes a directory's entries (file creations, renames, deletions) to disk.</summary>
    /// <param name="path">The directory.</param>
    /// <exception cref="IOException">The directory could not be opened or flushed.</exception>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;

        var descriptor = Open(path, ReadOnly | CloseOnExec, 0);
        if (descriptor < 0)
            throw new IOException($"cannot open directory {path}: {Marshal.GetLastPInvokeErrorMessage()}");

        try
        {
            if (Fsync(descriptor) != 0)
                throw new IOException($"cannot flush directory {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int descriptor, int operation);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int descriptor, long length);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static unsafe partial nint Pwrite(int descriptor, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint Pread(int descriptor, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);
}
