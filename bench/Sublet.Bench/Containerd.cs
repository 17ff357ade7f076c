namespace Sublet.Bench;

/// <summary>
/// Debian's containerd (1.6) as the CRI peer, installed with apt-get when missing and configured
/// on private directories under <c>dir</c>: its own root, state, socket, opt path and CNI
/// configuration directory (left empty: the benchmark's pods use the host network, so neither
/// runtime runs a CNI plugin and nothing touches the host's network or /etc/cni). The sandbox
/// image is catatonit, the pause Sublet runs, and the app image is the demo busybox, both imported
/// with ctr into the k8s.io namespace the CRI plugin reads.
/// </summary>
internal static class Containerd
{
    public const string PauseImage = "localhost/pause:bench";

    public static string Version()
    {
        if (Shell.Run("sh", "-c", "command -v containerd").ExitCode != 0)
        {
            Console.WriteLine("installing containerd from Debian (apt-get install containerd)");
            Shell.Run(TimeSpan.FromMinutes(10), "apt-get", "install", "-y", "--no-install-recommends", "containerd").Ok("apt-get install containerd");
        }
        return Shell.Ok("containerd", "--version").Stdout.Trim();
    }

    /// <summary>Writes the configuration and starts containerd; the caller disposes it, then calls <see cref="Cleanup"/>.</summary>
    public static Daemon Start(string dir, string busyboxLayout)
    {
        foreach (var d in new[] { "root", "state", "opt", "cni", "cni-bin" }) Directory.CreateDirectory(Path.Combine(dir, d));
        var socket = Path.Combine(dir, "containerd.sock");
        var config = Path.Combine(dir, "config.toml");
        // containerd 1.6 docs/cri/config.md. restrict_oom_score_adj: this host's root lacks
        // CAP_SYS_RESOURCE (DESIGN.md "This host's limits"), as for Sublet. No systemd: cgroupfs.
        File.WriteAllText(config, $$"""
            version = 2
            root = "{{dir}}/root"
            state = "{{dir}}/state"
            disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
            [grpc]
              address = "{{socket}}"
            [ttrpc]
              address = "{{socket}}.ttrpc"
            [plugins."io.containerd.internal.v1.opt"]
              path = "{{dir}}/opt"
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "{{PauseImage}}"
              restrict_oom_score_adj = true
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
              enable_selinux = false
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "{{dir}}/cni-bin"
                conf_dir = "{{dir}}/cni"
              [plugins."io.containerd.grpc.v1.cri".containerd]
                snapshotter = "overlayfs"
                default_runtime_name = "runc"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                    SystemdCgroup = false
                    Root = "{{dir}}/runc"
            """);
        var daemon = new Daemon("containerd", socket, Path.Combine(dir, "containerd.log"), "containerd", "--config", config);
        try
        {
            var pause = Path.Combine(dir, "pause-oci");
            OciLayoutWriter.WriteFiles(pause, PauseImage, [("/usr/bin/catatonit", "catatonit")], ["/catatonit", "-P"]);
            Import(dir, socket, pause, "localhost/pause");
            Import(dir, socket, busyboxLayout, "localhost/busybox");
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>ctr import of an OCI layout (as a tar); --base-name keeps the layout's full reference (containerd archive.AddRefPrefix).</summary>
    private static void Import(string dir, string socket, string layout, string baseName)
    {
        var tar = Path.Combine(dir, Path.GetFileName(layout) + ".tar");
        Shell.Ok("tar", "-C", layout, "-cf", tar, ".");
        Shell.Ok("ctr", "--address", socket, "-n", "k8s.io", "images", "import", "--base-name", baseName, tar);
    }

    /// <summary>
    /// After the daemon stopped: delete what runc still has in our runc root and end the shims
    /// started for our state directory (by pid, found by their command line); mounts below
    /// <paramref name="dir"/> are the caller's (Scratch).
    /// </summary>
    public static void Cleanup(string dir)
    {
        Shell.DeleteRuncContainers(Path.Combine(dir, "runc", "k8s.io"));
        foreach (var pid in Memory.Find("containerd-shim", dir))
        {
            Shell.Run("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
