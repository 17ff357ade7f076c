using Sublet.Kubelet.Plan;
using Sublet.Linux.Files;
using Sublet.Runtime.Oci;

namespace Sublet.Kubelet.Volumes;

/// <summary>hostPath <c>type</c> checks and creation as the kubelet does them (pkg/volume/hostpath/host_path.go checkType).</summary>
public static class HostPathCheck
{
    /// <returns>The path to mount.</returns>
    public static string Verify(VolumePlan volume, bool create) => Verify(volume, create, PathKinds.Of(volume.HostPath!));

    internal static string Verify(VolumePlan volume, bool create, PathKind kind)
    {
        var path = volume.HostPath!;
        string Fail(string what) => throw new PlanException($"volume \"{volume.Name}\" (hostPath {path}): hostPath type check failed: {path} {what}");
        switch (volume.HostPathType)
        {
            case "":
                return path; // no checks: whatever is there is mounted, as by the kubelet
            case "DirectoryOrCreate" when kind == PathKind.Missing:
                if (create)
                {
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101); // 0755, as the kubelet
                }
                return path;
            case "DirectoryOrCreate" or "Directory":
                return kind == PathKind.Directory ? path : Fail(kind == PathKind.Missing ? "does not exist" : "is not a directory");
            case "FileOrCreate" when kind == PathKind.Missing:
                if (create)
                {
                    using (File.Create(path)) { }
                    File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100); // 0644
                }
                return path;
            case "FileOrCreate" or "File":
                return kind == PathKind.Regular ? path : Fail(kind == PathKind.Missing ? "does not exist" : "is not a file");
            case "Socket":
                return kind == PathKind.Socket ? path : Fail("is not a socket file");
            case "CharDevice":
                return kind == PathKind.CharDevice ? path : Fail("is not a character device");
            case "BlockDevice":
                return kind == PathKind.BlockDevice ? path : Fail("is not a block device");
            default:
                throw new PlanException($"volume \"{volume.Name}\": unknown hostPath type \"{volume.HostPathType}\"");
        }
    }
}
