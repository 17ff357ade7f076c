using System.Text;
using Sublet.Linux.Files;
using Sublet.Runtime.Logs;
using Sublet.Runtime.Monitor;

namespace Sublet.Cli.Commands;

/// <summary>
/// Reads a CRI-format log (conmon k8s-file: "TIMESTAMP STREAM P|F CONTENT", runtime-anchors.md
/// §4.4) from where it left off and writes the content to our stdout or stderr. It keeps the
/// file open, so a rotation (the log renamed away, conmon reopening a new one at the path) loses
/// nothing: the old file is read to its end before the new one is opened.
/// </summary>
internal sealed class LogFollower : IDisposable
{
    private readonly string _path;
    private readonly string? _prefix;
    private readonly StringBuilder _pending = new();
    private readonly MemoryStream _partialLine = new();
    private FileStream? _stream;
    private ulong _inode;
    private DateTimeOffset _openedAt;

    public LogFollower(string path, string? prefix)
    {
        _path = path;
        _prefix = prefix;
    }

    public void Pump()
    {
        _stream ??= Open();
        if (_stream is null)
        {
            return;
        }
        Drain(_stream);
        // The path now names another file: conmon has closed ours (it reopens only after
        // closing), so what is left in it is final. Read it, then move on to the new file.
        if (CurrentInode() is { } inode && inode != _inode)
        {
            Drain(_stream);
            _stream.Dispose();
            ReadMissed();
            _stream = Open();
            if (_stream is not null)
            {
                Drain(_stream);
            }
        }
    }

    /// <summary>
    /// Files rotated away between two pumps (the path replaced twice): still uncompressed, written
    /// after we opened the file we were on, and not that file. Older rotated files were written
    /// before that file existed; compressed ones are at least two rotations old.
    /// </summary>
    private void ReadMissed()
    {
        var dir = Path.GetDirectoryName(_path)!;
        var siblings = Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
        foreach (var rotated in RotationPlanner.Rotated(_path, siblings).Where(r => !r.Compressed))
        {
            try
            {
                using var stream = new FileStream(rotated.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var status = FileStatus.Of(stream.SafeFileHandle, rotated.Path);
                if (status.Inode != _inode && status.Mtime > _openedAt)
                {
                    Drain(stream);
                }
            }
            catch (FileNotFoundException)
            {
                // deleted by the next rotation meanwhile
            }
        }
    }

    private FileStream? Open()
    {
        try
        {
            _openedAt = DateTimeOffset.UtcNow;
            var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _inode = FileStatus.Of(stream.SafeFileHandle, _path).Inode;
            return stream;
        }
        catch (FileNotFoundException)
        {
            return null; // not written yet, or between a rotation's rename and conmon's reopen
        }
    }

    private ulong? CurrentInode()
    {
        try
        {
            return FileStatus.Of(_path).Inode;
        }
        catch (Sublet.Linux.LinuxError)
        {
            return null;
        }
    }

    private void Drain(FileStream stream)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var rest = buffer.AsSpan(0, read);
            for (var newline = rest.IndexOf((byte)'\n'); newline >= 0; newline = rest.IndexOf((byte)'\n'))
            {
                _partialLine.Write(rest[..newline]);
                rest = rest[(newline + 1)..];
                var line = Encoding.UTF8.GetString(_partialLine.GetBuffer(), 0, (int)_partialLine.Length);
                _partialLine.SetLength(0);
                if (CriLogLine.TryParse(line, out var entry))
                {
                    Emit(entry);
                }
            }
            _partialLine.Write(rest);
        }
    }

    private void Emit(CriLogLine entry)
    {
        _pending.Append(entry.Content);
        if (entry.Partial)
        {
            return;
        }
        var output = entry.Stream == "stderr" ? Console.Error : Console.Out;
        output.WriteLine(_prefix is null ? _pending.ToString() : $"{_prefix} | {_pending}");
        output.Flush();
        _pending.Clear();
    }

    public void Dispose() => _stream?.Dispose();
}
