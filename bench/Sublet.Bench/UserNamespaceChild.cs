using System.Diagnostics;
using Sublet.IdMapping;
using Sublet.Linux;

namespace Sublet.Bench;

/// <summary>
/// A user namespace without a pod (DESIGN.md "A user namespace without a pod"): a child
/// `unshare -U sleep 600` whose uid_map and gid_map we write as root. .NET cannot unshare itself.
/// </summary>
internal sealed class UserNamespaceChild : IDisposable
{
    private readonly Process _process;

    public UserNamespaceChild(IdRange range)
    {
        _process = Process.Start(new ProcessStartInfo("unshare", ["-U", "sleep", "600"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("cannot start unshare");
        NamespacePath = $"/proc/{_process.Id}/ns/user";
        // Wait until the child has unshared (its user namespace is no longer ours) and exec'd sleep.
        var ours = Readlink("/proc/self/ns/user");
        var deadline = Stopwatch.StartNew();
        while (Readlink(NamespacePath) == ours || Comm() != "sleep")
        {
            if (_process.HasExited) throw new InvalidOperationException($"unshare -U exited with {_process.ExitCode}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("unshare -U did not create a user namespace");
            Thread.Sleep(5);
        }
        var map = $"0 {range.Start} {range.Length}\n";
        File.WriteAllText($"/proc/{_process.Id}/uid_map", map);
        File.WriteAllText($"/proc/{_process.Id}/gid_map", map);
    }

    public string NamespacePath { get; }

    public SafeFd Open() => SafeFd.OpenReadOnly(NamespacePath);

    private string? Comm()
    {
        try { return File.ReadAllText($"/proc/{_process.Id}/comm").Trim(); } catch (IOException) { return null; }
    }

    private static string? Readlink(string path)
    {
        try { return new FileInfo(path).LinkTarget; } catch (IOException) { return null; }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
