using Sublet.Linux.Files;

namespace Sublet.Cri.Hosting;

/// <summary>
/// The server's Unix socket at <see cref="Path"/>, owned by one server at a time.
/// <list type="bullet">
/// <item>A lock file (<c>PATH.lock</c>, flock(2)) held for the server's life: a second server on the
/// same path is refused; a socket left by a dead server (whose lock died with it) is stale and replaced.</item>
/// <item>The server binds in a private 0700 directory beside the path, the socket is made 0600
/// there, and only then renamed onto <see cref="Path"/> (rename(2) replaces a stale socket
/// atomically): no other user can ever connect, even between bind and chmod, whatever the umask.</item>
/// <item>Dispose removes the socket and the private directory, then releases the lock.</item>
/// </list>
/// </summary>
public sealed class ServerSocket : IDisposable
{
    private const UnixFileMode OwnerOnlyDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlySocket = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly IDisposable _lock;
    private readonly string _privateDir;
    private bool _published;

    private ServerSocket(string path, IDisposable @lock, string privateDir)
    {
        Path = path;
        _lock = @lock;
        _privateDir = privateDir;
        BindPath = System.IO.Path.Combine(privateDir, "socket");
    }

    /// <summary>Where clients connect.</summary>
    public string Path { get; }

    /// <summary>Where the server binds before <see cref="Publish"/>.</summary>
    public string BindPath { get; }

    /// <summary>Takes the lock and prepares the private directory; refuses when another server holds the path.</summary>
    /// <exception cref="InvalidOperationException">Another server runs on the path, or the path is something other than a socket.</exception>
    public static ServerSocket Claim(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var lockPath = path + ".lock";
        var held = FileOps.TryLockFile(lockPath, TimeSpan.Zero)
            ?? throw new InvalidOperationException($"another sublet serve is already listening on {path} (it holds {lockPath})");
        try
        {
            if (FileStatus.Of(dir).Kind != PathKind.Directory)
            {
                throw new InvalidOperationException($"{dir} is not a directory");
            }
            if (System.IO.Path.Exists(path) && FileStatus.Of(path).Kind != PathKind.Socket)
            {
                throw new InvalidOperationException($"{path} exists and is not a socket: not replacing it");
            }
            // Named after the socket, not the pid: a dead server's leftover is ours to clear under the lock.
            var privateDir = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(path)}.bind");
            if (Directory.Exists(privateDir))
            {
                Directory.Delete(privateDir, recursive: true);
            }
            Directory.CreateDirectory(privateDir, OwnerOnlyDir);
            File.SetUnixFileMode(privateDir, OwnerOnlyDir); // whatever the umask did
            return new ServerSocket(path, held, privateDir);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>Makes the bound socket 0600 and moves it onto <see cref="Path"/>, replacing a stale one.</summary>
    public void Publish()
    {
        File.SetUnixFileMode(BindPath, OwnerOnlySocket);
        FileOps.Rename(BindPath, Path);
        _published = true;
        Directory.Delete(_privateDir); // empty now: the socket lives on at Path
    }

    public void Dispose()
    {
        try
        {
            if (_published && System.IO.Path.Exists(Path) && FileStatus.Of(Path).Kind == PathKind.Socket)
            {
                File.Delete(Path);
            }
            if (Directory.Exists(_privateDir))
            {
                Directory.Delete(_privateDir, recursive: true);
            }
        }
        finally
        {
            _lock.Dispose();
        }
    }
}
