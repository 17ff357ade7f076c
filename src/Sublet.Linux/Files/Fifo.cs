using System.Runtime.InteropServices;

namespace Sublet.Linux.Files;

/// <summary>Writes to a FIFO only while someone reads it, without ever blocking.</summary>
public static class Fifo
{
    /// <summary>
    /// Writes <paramref name="message"/> to the FIFO at <paramref name="path"/>; false when it
    /// has no reader or does not exist. fifo(7): open(2) with O_WRONLY|O_NONBLOCK fails with ENXIO
    /// when no process has the FIFO open for reading, where a blocking open would wait forever.
    /// </summary>
    public static bool TryWrite(string path, ReadOnlySpan<byte> message)
    {
        using var fd = FileSyscalls.Open(path, FileSyscalls.O_WRONLY | FileSyscalls.O_NONBLOCK | FileSyscalls.O_NOFOLLOW | FileSyscalls.O_CLOEXEC, 0);
        if (fd.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Errno.ENXIO or Errno.ENOENT ? false : throw new LinuxError("open", path, errno);
        }
        if (FileStatus.Of(fd, path).Kind != PathKind.Fifo)
        {
            throw new LinuxError("open", path, Errno.EINVAL);
        }
        // A message shorter than PIPE_BUF is written whole or not at all (pipe(7)).
        using var stream = new FileStream(fd, FileAccess.Write, bufferSize: 0);
        stream.Write(message);
        return true;
    }
}
