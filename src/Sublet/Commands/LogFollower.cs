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
    private string _path;
    private readonly string? _prefix;
    private readonly StringBuilder _pending = new();
    private readonly MemoryStream _partialLine = new();
    /// <summary>One read buffer for every pump: play drains on each change of the file, and a fresh 64 KB each time was sixteen new heap pages (docs/benchmarks.md §6l).</summary>
    private readonly byte[] _buffer = new byte[16 * 1024];
    private FileStream? _stream;
    private ulong _inode;
    private DateTimeOffset _openedAt;
    private string? _lastStamp;

    public LogFollower(string path, string? prefix)
    {
        _path = path;
        _prefix = prefix;
    }

    /// <summary>
    /// Moves on to another file (the container's next attempt, whose log is a file of its own):
    /// what is left in the current one is read first.
    /// </summary>
    public void Follow(string path)
    {
        if (path == _path)
        {
            return;
        }
        Pump();
        _stream?.Dispose();
        (_stream, _path, _inode) = (null, path, 0);
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
    /// Files rotated away between two pumps (the path replaced more than once), compressed by now
    /// or not: those whose first line is newer than the last line we wrote. conmon stamps each
    /// line and writes a read's lines to one file, so files never overlap in time. Before any
    /// line was read, the file's mtime against our opening of the live one decides.
    /// </summary>
    private void ReadMissed()
    {
        var dir = Path.GetDirectoryName(_path)!;
        var siblings = Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
        foreach (var rotated in RotationPlanner.Rotated(_path, siblings))
        {
            try
            {
                using var file = new FileStream(rotated.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var status = FileStatus.Of(file.SafeFileHandle, rotated.Path);
                if (status.Inode == _inode)
                {
                    continue; // the file we were on, renamed
                }
                var missed = _lastStamp is null
                    ? !rotated.Compressed && status.Mtime > _openedAt
                    : string.CompareOrdinal(FirstStamp(Content(rotated, file)), _lastStamp) > 0;
                if (missed)
                {
                    file.Position = 0;
                    Drain(Content(rotated, file));
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
            {
                // deleted or being compressed by the next rotation meanwhile
            }
        }
    }

    private static Stream Content(RotatedLog rotated, FileStream file) =>
        rotated.Compressed ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true) : file;

    private static string FirstStamp(Stream content)
    {
        using var reader = new StreamReader(content, Encoding.UTF8, leaveOpen: true);
        return reader.ReadLine() is { } line && CriLogLine.TryParse(line, out var entry) ? entry.Timestamp : "";
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
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // not written yet (a container that never started has no directory), or between a rotation's rename and conmon's reopen
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

    private void Drain(Stream stream)
    {
        int read;
        while ((read = stream.Read(_buffer)) > 0)
        {
            var rest = _buffer.AsSpan(0, read);
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
        _lastStamp = entry.Timestamp;
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
