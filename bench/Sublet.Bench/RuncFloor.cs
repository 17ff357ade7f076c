using System.Diagnostics;
using System.Text.Json.Nodes;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Rootfs;

namespace Sublet.Bench;

/// <summary>
/// The floor for one pod with one container running <c>true</c>: the work a pod start needs done
/// by hand with runc and nothing else (DESIGN.md "The technique"). A catatonit pause container in
/// its own user (when userns), mount, network, IPC, UTS and PID namespaces (<c>runc run -d</c>);
/// the app's rootfs as an overlay over the demo image's layers, idmapped for the pause's user
/// namespace (<see cref="RootfsBuilder"/>, in this process: open_tree + mount_setattr +
/// move_mount + overlay, no process); the app container joining the pause's namespaces by path
/// (<c>runc run</c>, foreground, deleted on exit); then <c>runc delete --force</c> of the pause and
/// the rootfs unmounted and removed.
/// </summary>
internal sealed class RuncFloor
{
    private readonly string _dir;
    private readonly string _root;
    private readonly ImageStore _store;
    private readonly ImageRecord _image;
    private readonly LinuxMounter _mounter = new();
    private int _n;

    public RuncFloor(string dir, string busyboxLayout)
    {
        _dir = dir;
        _root = Path.Combine(dir, "runc");
        _store = new ImageStore(Path.Combine(dir, "images"));
        _image = _store.Load(busyboxLayout).Single();
        var pauseRootfs = Path.Combine(dir, "pause-rootfs");
        // The mount points runc spec's default mounts need: a user namespace's root cannot make them here.
        foreach (var d in new[] { "proc", "dev", "sys" }) Directory.CreateDirectory(Path.Combine(pauseRootfs, d));
        File.Copy("/usr/bin/catatonit", Path.Combine(pauseRootfs, "catatonit"));
    }

    public string RuncRoot => _root;

    /// <summary>One pod, start to teardown; <paramref name="hostId"/> null = host users.</summary>
    public TimeSpan Run(uint? hostId)
    {
        var n = _n++;
        var round = Path.Combine(_dir, $"r{n}");
        var pause = Bundle(Path.Combine(round, "pause"), Path.Combine(_dir, "pause-rootfs"), ["/catatonit", "-P"], hostId, joinPid: null);
        var pidFile = Path.Combine(round, "pause.pid");
        var rootfs = new RootfsRequest(_store.LayersRoot, _store.LayerPaths(_image), Path.Combine(round, "rootfs"), Path.Combine(round, "idmap"), Path.Combine(round, "c"));
        var pauseId = $"floor-p{n}";
        var sw = Stopwatch.StartNew();
        Shell.RunInherited("runc", "--root", _root, "run", "-d", "--pid-file", pidFile, "-b", pause, pauseId).Ok("runc run -d (pause)");
        var pid = File.ReadAllText(pidFile).Trim();
        new RootfsBuilder(_mounter).Prepare(rootfs, hostId is { } h ? new IdRange(h, 65536) : null, () => SafeFd.OpenReadOnly($"/proc/{pid}/ns/user"));
        var app = Bundle(Path.Combine(round, "app"), rootfs.MountPoint, ["/bin/true"], hostId, joinPid: pid);
        Shell.RunInherited("runc", "--root", _root, "run", "-b", app, $"floor-a{n}").Ok("runc run (app)");
        Shell.RunInherited("runc", "--root", _root, "delete", "--force", pauseId).Ok("runc delete --force (pause)");
        _mounter.Unmount(rootfs.MountPoint);
        Directory.Delete(round, recursive: true);
        sw.Stop();
        return sw.Elapsed;
    }

    /// <summary>A bundle from <c>runc spec</c>'s defaults (written once, then edited in memory).</summary>
    private string Bundle(string dir, string rootfs, string[] args, uint? hostId, string? joinPid)
    {
        Directory.CreateDirectory(dir);
        var config = Template(rootfs);
        config["process"]!["args"] = new JsonArray([.. args.Select(a => JsonValue.Create(a))]);
        var namespaces = new JsonArray { new JsonObject { ["type"] = "mount" }, new JsonObject { ["type"] = "pid" } };
        foreach (var type in hostId is null ? new[] { "network", "ipc", "uts" } : ["user", "network", "ipc", "uts"])
        {
            // The app joins the pause's namespaces by path (DESIGN.md "The technique" 2).
            namespaces.Add(joinPid is null ? new JsonObject { ["type"] = type } : new JsonObject { ["type"] = type, ["path"] = $"/proc/{joinPid}/ns/{(type == "network" ? "net" : type)}" });
        }
        config["linux"]!["namespaces"] = namespaces;
        if (hostId is { } h)
        {
            // runc 1.1 wants the mappings repeated when joining a user namespace by path.
            var mapping = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = h, ["size"] = 65536 });
            config["linux"]!["uidMappings"] = mapping;
            config["linux"]!["gidMappings"] = mapping.DeepClone();
        }
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return dir;
    }

    private JsonNode? _template;

    private JsonNode Template(string rootfs)
    {
        if (_template is null)
        {
            var spec = Path.Combine(_dir, "spec");
            Directory.CreateDirectory(spec);
            Shell.Ok("runc", "spec", "-b", spec);
            _template = JsonNode.Parse(File.ReadAllText(Path.Combine(spec, "config.json")))!;
            _template["process"]!["terminal"] = false;
        }
        var config = _template.DeepClone();
        config["root"] = new JsonObject { ["path"] = rootfs, ["readonly"] = false };
        return config;
    }

    /// <summary>Deletes what runc still holds in our root (an interrupted round) and unmounts below the directory.</summary>
    public void Cleanup()
    {
        Shell.DeleteRuncContainers(_root);
        foreach (var m in _mounter.MountPointsUnder(_dir).OrderByDescending(m => m.Length))
        {
            _mounter.Unmount(m);
        }
    }
}
