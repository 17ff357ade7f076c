using System.Diagnostics;
using Sublet.Images.Registry;

namespace Sublet.Cli.Output;

/// <summary>
/// Shows a pull's blobs. Not a terminal: one plain line per blob as it starts and ends, for logs
/// and scripts. A terminal: those lines plus one status line, redrawn in place, with the bytes
/// received of the blobs under way and the rate. Progress arrives from several download threads.
/// </summary>
internal sealed class PullProgressPrinter(TextWriter output, bool interactive, bool enabled) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Done, long Total)> _active = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _received;
    private bool _statusShown;

    public void Line(string text)
    {
        if (!enabled) return;
        lock (_lock)
        {
            ClearStatus();
            output.WriteLine(text);
            DrawStatus();
        }
    }

    public void Report(PullProgress p)
    {
        if (!enabled) return;
        var name = $"{p.Kind} {Short(p.Digest)}";
        lock (_lock)
        {
            switch (p.Stage)
            {
                case PullStage.Exists:
                    Write($"{name}: already present");
                    break;
                case PullStage.Started:
                    _active[p.Digest] = (0, p.Total);
                    Write($"{name}: downloading {Size(p.Total)}");
                    break;
                case PullStage.Resumed:
                    _active[p.Digest] = (p.Done, p.Total);
                    Write($"{name}: resuming at {Size(p.Done)} of {Size(p.Total)}");
                    break;
                case PullStage.Progress:
                    if (_active.TryGetValue(p.Digest, out var was))
                    {
                        _received += p.Done - was.Done;
                        _active[p.Digest] = (p.Done, p.Total);
                    }
                    if (interactive)
                    {
                        ClearStatus();
                        DrawStatus();
                    }
                    break;
                case PullStage.Done:
                    if (_active.Remove(p.Digest, out var last)) _received += p.Total - last.Done;
                    Write($"{name}: done");
                    break;
            }
        }
    }

    public void Finish()
    {
        lock (_lock) ClearStatus();
    }

    public void Dispose() => Finish();

    private void Write(string text)
    {
        ClearStatus();
        output.WriteLine(text);
        DrawStatus();
    }

    private void DrawStatus()
    {
        if (!interactive || _active.Count == 0) return;
        var done = _active.Values.Sum(a => a.Done);
        var total = _active.Values.Sum(a => a.Total);
        var rate = _received / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        output.Write($"downloading {_active.Count} blob(s): {Size(done)} / {Size(total)}, {Size((long)rate)}/s");
        output.Flush();
        _statusShown = true;
    }

    private void ClearStatus()
    {
        if (!_statusShown) return;
        output.Write("\r\x1b[K");
        _statusShown = false;
    }

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] : digest;

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} kB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:0.0} MB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:0.00} GB",
    };
}
