namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// Files and folders only their owner may read (0600 / 0700 on Unix): the replica file holds the
/// company's data and the device's credentials, so other accounts on the device get nothing.
/// On Windows the user profile's ACLs already do this and these calls create plain files.
/// </summary>
internal static class OwnerOnly
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder (owner-only) when missing; an existing folder is the app's choice and left as it is.</summary>
    public static void EnsureFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    /// <summary>Creates an empty file owner-only when missing, or narrows an existing one to owner-only.</summary>
    public static void EnsureFile(string path)
    {
        EnsureFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path))
        {
            try
            {
                using var created = CreateNewFile(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Created by another process in between: narrowed below.
            }
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }

    /// <summary>Narrows an existing file (a WAL or shared-memory file of an older build) to owner-only.</summary>
    public static void NarrowIfExists(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }

    /// <summary>A new file, owner-only from its first byte (never briefly readable by others); fails when it exists.</summary>
    public static FileStream CreateNewFile(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }
        EnsureFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new FileStream(path, options);
    }
}
