using System.Text;
using Sublet.Runtime.Monitor;

namespace Sublet.Cli.Commands;

/// <summary>
/// Reads a CRI-format log (conmon k8s-file: "TIMESTAMP STREAM P|F CONTENT", runtime-anchors.md
/// §4.4) from where it left off and writes the content to our stdout or stderr.
/// </summary>
internal sealed class LogFollower
{
    private readonly string _path;
    private readonly string? _prefix;
    private long _offset;
    private readonly StringBuilder _pending = new();

    public LogFollower(string path, string? prefix)
    {
        _path = path;
        _prefix = prefix;
    }

    public void Pump()
    {
        if (!File.Exists(_path))
        {
            return;
        }
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _offset)
        {
            _offset = 0; // rotated
        }
        stream.Seek(_offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n');
        if (complete < 0)
        {
            return;
        }
        _offset += Encoding.UTF8.GetByteCount(text.AsSpan(0, complete + 1));
        foreach (var line in text[..complete].Split('\n'))
        {
            if (CriLogLine.TryParse(line, out var entry))
            {
                Emit(entry);
            }
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
}
