using System.Text;
using BenchmarkDotNet.Attributes;
using Sublet.Linux.Mounts;

namespace Sublet.Benchmarks;

/// <summary>
/// <see cref="MountInfo.MountPointsUnder"/> over a 500-line /proc/self/mountinfo: a node with
/// ~25 pods (sandbox rootfs; per container overlay rootfs, proc, dev, pts, shm, mqueue, sys, cgroup, hosts) plus the
/// host's own mounts; the query is one pod's run directory (what teardown asks).
/// </summary>
[MemoryDiagnoser]
public class MountInfoBenchmarks
{
    private string _text = "";
    private string _prefix = "";

    [Params(500)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        var id = 20;
        void Line(string point, string fs, string source, string options) =>
            sb.Append($"{id++} 1 0:{id % 200} / {point} rw,relatime shared:{id} - {fs} {source} {options}\n");
        Line("/", "ext4", "/dev/vda", "rw,discard");
        foreach (var m in new[] { "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/run", "/sys/fs/cgroup", "/tmp", "/var/lib/sublet", "/run/sublet" })
            Line(m, "tmpfs", "tmpfs", "rw,mode=755");
        var pod = 0;
        while (id - 20 < Lines)
        {
            var dir = $"/run/sublet/pods/{pod++:x32}";
            Line($"{dir}/sandbox/rootfs", "overlay", "overlay", $"rw,lowerdir={dir}/lower/abc/fs,upperdir=/var/lib/sublet/pods/x/upper,workdir=/var/lib/sublet/pods/x/work");
            foreach (var c in new[] { "app", "side" })
            {
                Line($"{dir}/c/{c}/rootfs", "overlay", "overlay", "rw,lowerdir=/l,upperdir=/u,workdir=/w");
                foreach (var sub in new[] { "proc", "dev", "dev/pts", "dev/shm", "dev/mqueue", "sys", "sys/fs/cgroup", "etc/hosts" })
                    Line($"{dir}/c/{c}/rootfs/{sub}", "tmpfs", "tmpfs", "rw");
            }
        }
        var lines = _text = sb.ToString();
        _text = string.Join('\n', lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(Lines)) + "\n";
        _prefix = $"/run/sublet/pods/{pod / 2:x32}";
        // One pod: its sandbox rootfs and two containers with 9 mounts each.
        if (MountPointsUnder() != 19) throw new InvalidOperationException($"setup: {MountPointsUnder()} mounts under {_prefix}");
    }

    [Benchmark]
    public int MountPointsUnder() => MountInfo.MountPointsUnder(_text, _prefix).Count;
}
