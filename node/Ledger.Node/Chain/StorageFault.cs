using RocksDbSharp;

namespace Ledger.Node.Chain;

/// <summary>
/// Names a failure of the disk under the node (D31): a full disk, a disk remounted read-only, or
/// another I/O error. Such a failure stops the node: a commit that failed wrote nothing (one
/// WriteBatch), and retrying on a broken disk would only fail again or hide the cause.
/// </summary>
public static class StorageFault
{
    /// <summary>The process exit code of a stop for a storage fault (EX_IOERR of sysexits.h).</summary>
    public const int ExitCode = 74;

    private const int NoSpaceErrno = 28;
    private const int ReadOnlyErrno = 30;

    /// <summary>"disk full", "read-only disk", "storage failure", or null when exception is no I/O failure.</summary>
    public static string? Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is not (IOException or RocksDbException or UnauthorizedAccessException))
            {
                continue;
            }

            if (e.HResult == NoSpaceErrno || e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase))
            {
                return "disk full";
            }

            if (e.HResult == ReadOnlyErrno || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
            {
                return "read-only disk";
            }

            return "storage failure";
        }

        return null;
    }

    /// <summary>At start (nothing served yet): a data directory on a full or read-only disk ends the process with the same line and code.</summary>
    public static T OpenOrExit<T>(Func<T> open, string dataDirectory)
    {
        try
        {
            return open();
        }
        catch (Exception exception) when (Describe(exception) is { } fault)
        {
            // Written directly: the console logger's queue would not be flushed before Exit.
            Console.Error.WriteLine($"{fault}: {Path.GetFullPath(dataDirectory)}: {exception.Message}; stopping the node");
            Environment.Exit(ExitCode);
            throw;
        }
    }
}
