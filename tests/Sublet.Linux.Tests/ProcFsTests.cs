using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary><see cref="ProcFs.UserNamespace"/> on a fake /proc in a temp dir (proc(5): ns/user is a symlink "user:[INODE]").</summary>
public sealed class ProcFsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-procfs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void UserNamespace_is_the_ns_user_link_and_null_for_a_process_that_is_gone()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "42", "ns"));
        File.CreateSymbolicLink(Path.Combine(_dir, "42", "ns", "user"), "user:[4026531837]");
        var proc = new ProcFs(_dir);
        Assert.Equal("user:[4026531837]", proc.UserNamespace(42));
        Assert.Null(proc.UserNamespace(43));
    }
}
