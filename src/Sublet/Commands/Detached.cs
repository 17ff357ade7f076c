using System.Diagnostics;
using Sublet.Runtime.Monitor;

namespace Sublet.Cli.Commands;

/// <summary>Starts one of Sublet's own helpers in the background, with no stdio of ours (a caller reading our output must not wait for it).</summary>
internal static class Detached
{
    public static void Start(ExitHook command)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in (string[])["-c", "\"$@\" </dev/null >/dev/null 2>&1 &", "sh", command.Program, .. command.Args])
        {
            info.ArgumentList.Add(a);
        }
        using var shell = Process.Start(info)!;
        shell.WaitForExit();
    }
}
