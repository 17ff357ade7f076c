using System.Diagnostics;
using System.Globalization;

namespace Sublet.Cli.Commands;

/// <summary>
/// The local terminal in raw mode while attached to a container's terminal, so keys reach it
/// as typed (as kubectl attach -t sets it), restored on dispose. stty(1) does the termios work:
/// the settings it saves with <c>-g</c> restore exactly what was there.
/// </summary>
internal sealed class RawTerminal : IDisposable
{
    private readonly string _saved;

    private RawTerminal(string saved, (ushort Width, ushort Height)? size)
    {
        _saved = saved;
        Size = size;
    }

    /// <summary>The terminal's size in characters, when stty knows it.</summary>
    public (ushort Width, ushort Height)? Size { get; }

    /// <summary>Raw mode on stdin's terminal; null when stdin is not a terminal.</summary>
    public static RawTerminal? Enter()
    {
        if (!Console.IsInputRedirected && Stty("-g") is { } saved && Stty("raw", "-echo") is not null)
        {
            return new RawTerminal(saved, CurrentSize());
        }
        return null;
    }

    /// <summary>The terminal's size now (stty size prints "ROWS COLS"), or null when stty can't tell.</summary>
    public static (ushort Width, ushort Height)? CurrentSize() =>
        Stty("size")?.Split(' ') is [var rows, var cols]
            && ushort.TryParse(rows, CultureInfo.InvariantCulture, out var h) && ushort.TryParse(cols, CultureInfo.InvariantCulture, out var w)
            ? (w, h) : null;

    /// <summary>stty's output with stdin the terminal, or null when it failed.</summary>
    private static string? Stty(params string[] args)
    {
        var info = new ProcessStartInfo("stty") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public void Dispose() => Stty(_saved);
}
