using System.Diagnostics;

namespace Sublet.Images.Tests;

/// <summary>hack/busybox-image.sh builds the demo image every example and test loads.</summary>
public sealed class BusyboxImageTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_script_builds_a_layout_that_loads_as_localhost_busybox_demo()
    {
        Assert.True(File.Exists("/bin/busybox"), "/bin/busybox is missing: apt-get install busybox-static");
        var first = Build("one");
        var second = Build("two");
        Assert.Equal(File.ReadAllText(Path.Combine(first, "index.json")), File.ReadAllText(Path.Combine(second, "index.json")));

        var store = new ImageStore(_dir["store"]);
        var record = Assert.Single(store.Load(first));

        Assert.Equal("localhost/busybox:demo", record.Reference);
        Assert.Equal(["sh"], record.Config.Cmd!);
        Assert.Contains(record.Config.Env, e => e.StartsWith("PATH=", StringComparison.Ordinal));
        Assert.Equal(record.Id, store.Get("localhost/busybox:demo").Id);
        var fs = Assert.Single(store.LayerPaths(record));
        Assert.Equal("busybox", new FileInfo(Path.Combine(fs, "bin/sh")).LinkTarget);
        Assert.True(new FileInfo(Path.Combine(fs, "bin/busybox")).Length > 100_000);
        Assert.Contains("root:x:0:0:", File.ReadAllText(Path.Combine(fs, "etc/passwd")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("1777", 8), File.GetUnixFileMode(Path.Combine(fs, "tmp")));
    }

    private string Build(string name)
    {
        var output = _dir[name];
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(Path.Combine(RepoRoot(), "hack", "busybox-image.sh"));
        info.ArgumentList.Add(output);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"busybox-image.sh failed: {stderr}{stdout.Result}");
        return output;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "hack", "busybox-image.sh"))) return dir.FullName;
        throw new InvalidOperationException("hack/busybox-image.sh not found above " + AppContext.BaseDirectory);
    }
}
