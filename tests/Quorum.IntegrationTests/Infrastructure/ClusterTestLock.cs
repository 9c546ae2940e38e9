using System.Runtime.CompilerServices;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>
/// Makes the test assemblies that start real clusters (integration, browser, fault suite) run one at
/// a time, each holding a lock file for its whole run.
/// </summary>
/// <remarks>
/// `dotnet test` on the solution runs test projects on as many MSBuild nodes as there are cores: the
/// CLI passes its own <c>-maxcpucount</c>, which overrides a <c>-m:1</c> in a response file. Two
/// assemblies of multi-process clusters on two cores slow each other's elections and deadlines, so
/// each one waits here, when it is loaded, for the one before it to finish. The lock is an advisory
/// <c>flock</c> (what <see cref="FileShare.None"/> takes on Linux), released when the process ends,
/// even if it crashes.
/// </remarks>
internal static class ClusterTestLock
{
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "quorum-cluster-tests.lock");
    private static FileStream? held;

#pragma warning disable CA2255 // A test assembly's module initializer: it must run before any of its tests.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Acquire()
    {
        while (held is null)
        {
            try
            {
                held = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // FileStream's lock never waits, so this polls it. A blocking flock on a descriptor
                // of our own was tried: without close-on-exec, processes the tests start inherited
                // the lock, and a CI run went wrong.
                Thread.Sleep(250);
            }
        }
    }
}
