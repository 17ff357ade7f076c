using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary><see cref="ProcFs.UserNamespace"/> and <see cref="ProcFs.IdMaps"/> on a fake /proc in a temp dir (proc(5): ns/user is a symlink "user:[INODE]").</summary>
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

    [Fact]
    public void IdMaps_reads_comm_and_both_maps_and_null_for_a_process_that_is_gone()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "7")).FullName;
        File.WriteAllText(Path.Combine(dir, "comm"), "sleep\n");
        File.WriteAllText(Path.Combine(dir, "uid_map"), "         0    1048576      65536\n");
        File.WriteAllText(Path.Combine(dir, "gid_map"), "         0    1048576      65536\n");
        var proc = new ProcFs(_dir);

        var maps = proc.IdMaps(7, "user:[9]")!;

        Assert.Equal((7, "sleep", "user:[9]"), (maps.Pid, maps.Comm, maps.UserNamespace));
        Assert.Contains("1048576", maps.UidMap);
        Assert.Contains("1048576", maps.GidMap);
        Assert.Null(proc.IdMaps(8, "user:[9]"));
    }
}
