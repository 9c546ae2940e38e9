using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// Makes the test assemblies that start real clusters (integration, browser, fault suite) run one at
/// a time, each holding a lock file for its whole run.
/// </summary>
/// <remarks>
/// `dotnet test` on the solution runs test projects on as many MSBuild nodes as there are cores: the
/// CLI passes its own <c>-maxcpucount</c>, which overrides a <c>-m:1</c> in a response file. Two
/// assemblies of multi-process clusters on two cores slow each other's elections and deadlines, so
/// each one blocks here, when it is loaded, until the one before it has finished. The lock is
/// <c>flock(LOCK_EX)</c> on an open file, which the kernel releases when the process ends, even if it
/// crashes; it belongs to the open file, not to a thread.
/// </remarks>
internal static partial class ClusterTestLock
{
    private const int LockExclusive = 2;
    private const int ReadWriteCreate = 0x2 | 0x40; // O_RDWR | O_CREAT
    private const int Interrupted = 4; // EINTR
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "quorum-cluster-tests.lock");

#pragma warning disable CA2255 // A test assembly's module initializer: it must run before any of its tests.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Acquire()
    {
        // Opened with libc, not FileStream: .NET takes a non-blocking flock of its own on open, which
        // would fail instead of waiting. The descriptor stays open, and locked, until the process ends.
        var fd = Open(LockPath, ReadWriteCreate, Convert.ToInt32("644", 8));
        if (fd < 0)
            throw new IOException($"Could not open {LockPath}: errno {Marshal.GetLastPInvokeError()}.");

        while (Flock(fd, LockExclusive) != 0)
        {
            if (Marshal.GetLastPInvokeError() != Interrupted)
                throw new IOException($"Could not lock {LockPath}: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);
}
