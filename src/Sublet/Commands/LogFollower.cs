using System.Text;

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

/// <summary>One line of a CRI log file (kubelet pkg/kubelet/kuberuntime/logs parseCRILog).</summary>
internal readonly record struct CriLogLine(string Timestamp, string Stream, bool Partial, string Content)
{
    public static bool TryParse(string line, out CriLogLine entry)
    {
        entry = default;
        var a = line.IndexOf(' ');
        var b = a < 0 ? -1 : line.IndexOf(' ', a + 1);
        var c = b < 0 ? -1 : line.IndexOf(' ', b + 1);
        if (c < 0)
        {
            // "TS STREAM F" with empty content has no third space.
            if (b > 0 && line.Length > b + 1)
            {
                entry = new CriLogLine(line[..a], line[(a + 1)..b], line[(b + 1)..] == "P", "");
                return true;
            }
            return false;
        }
        entry = new CriLogLine(line[..a], line[(a + 1)..b], line[(b + 1)..c] == "P", line[(c + 1)..]);
        return true;
    }
}
