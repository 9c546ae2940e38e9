using System.CommandLine;
using System.Globalization;
using Quorum.Serve;
using Quorum.Store;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum snapshot save|status|restore</c>: backups of a whole cluster (<c>GET /snapshot</c>),
/// checking one, and making the first node of a new cluster from one.
/// </summary>
internal static class SnapshotVerb
{
    private static readonly Argument<string> File = new("FILE") { Description = "the backup file" };

    private static readonly Option<long> BumpRevision = new("--bump-revision")
    {
        Description = $"how far above the backup's revision the new cluster's revisions start, so none the old cluster handed out after the backup is handed out again [default: {BackupFile.DefaultRevisionBump}]",
        HelpName = "N",
        DefaultValueFactory = static _ => BackupFile.DefaultRevisionBump,
    };

    // The serve flags that say who the restored node is; parsed exactly as 'quorum serve' parses them.
    private static readonly ServeFlag[] NodeFlags =
    [
        ServeFlags.DataDir, ServeFlags.NodeId, ServeFlags.HttpPort, ServeFlags.HttpAddress, ServeFlags.RaftPort,
        ServeFlags.RaftAddress, ServeFlags.AdvertiseRaft, ServeFlags.AdvertiseHttp, ServeFlags.CertFile, ServeFlags.KeyFile,
    ];

    /// <summary>Creates the verb and its subcommands.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => new("snapshot", "Back up a cluster, check a backup, or restore one as a new cluster.")
    {
        ClientVerbs.Create("save", "Save a point-in-time copy of the whole cluster (root only once auth is on) to FILE: written to a temporary file, its checksum checked, then renamed. Prints its revision and number of keys.", [File], SaveAsync),
        CreateStatus(),
        CreateRestore(),
    };

    private static async Task<int> SaveAsync(ParseResult result, ClientSession session, CancellationToken token)
    {
        var path = result.GetRequiredValue(File);
        long downloaded = 0;
        BackupInfo info;
        try
        {
            info = await BackupFile.SaveAsync(path, async (stream, t) => downloaded = await session.Client.DownloadSnapshotAsync(stream, t), token);
        }
        catch (Exception e) when (e is IOException || (e is HttpRequestException { HttpRequestError: not HttpRequestError.ConnectionError }))
        {
            // Not a write: a transfer or a disk that failed half way changed nothing and left no file behind.
            throw new BackupException($"Saving the copy failed ({e.Message}); nothing was saved.", e);
        }

        if (info.Revision != downloaded)
        {
            System.IO.File.Delete(path);
            throw new BackupException($"The server announced revision {downloaded}, but the file holds revision {info.Revision}; nothing was saved.");
        }

        await session.Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"saved {path}: revision {info.Revision}, {info.Keys} keys, {info.Bytes} bytes"));
        return ExitCodes.Success;
    }

    private static Command CreateStatus()
    {
        var command = new Command("status", "Print a backup's revision, key count, size and checksum verdict; exit 1 when it is damaged.") { File };
        command.SetAction(result =>
        {
            var path = result.GetRequiredValue(File);
            BackupInfo info;
            try
            {
                info = BackupFile.Verify(path);
            }
            catch (Exception e) when (e is BackupException or IOException or UnauthorizedAccessException)
            {
                Console.Out.WriteLine("checksum: BAD");
                Console.Error.WriteLine($"quorum: {e.Message}");
                return ExitCodes.Failed;
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"revision: {info.Revision}\nkeys: {info.Keys}\nsize: {info.Bytes} bytes\nchecksum: ok (SHA-256)"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateRestore()
    {
        var command = new Command("restore", "Make DIR (--data-dir, empty or absent) the data directory of the first node of a NEW cluster holding exactly FILE's data; start it with 'quorum serve' and the same node flags, and no --join; other nodes then join it. A damaged FILE is refused and nothing is written.")
        {
            File,
            BumpRevision,
        };
        foreach (var flag in NodeFlags)
            command.Options.Add(flag.Option);

        command.SetAction(result =>
        {
            if (result.GetResult(ServeFlags.DataDir.Option) is null or { Implicit: true } && Environment.GetEnvironmentVariable(ServeFlags.DataDir.Variable) is not { Length: > 0 })
                throw new UsageException("snapshot restore needs --data-dir DIR: the new node's data directory.");
            if (result.GetValue(BumpRevision) < 0)
                throw new UsageException("--bump-revision must be 0 or more.");

            var path = result.GetRequiredValue(File);
            var store = ServeSettings.Read(result, Environment.GetEnvironmentVariable).Store;
            try
            {
                var (backup, revision) = BackupFile.Restore(path, store, result.GetValue(BumpRevision));
                Console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"restored {path} (revision {backup.Revision}, {backup.Keys} keys) into {Path.GetFullPath(store.DataDirectory)} for node {store.NodeId}; the new cluster's revisions continue above {revision}.\nStart it with 'quorum serve' and the same node flags, without --join; then join the other nodes to it."));
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"quorum: {e.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }
}
