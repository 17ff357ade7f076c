using System.Text;
using Sublet.Linux;
using Sublet.Linux.Files;

namespace Sublet.Images;

/// <summary>
/// Extended attributes from PAX records <c>SCHILY.xattr.NAME</c> (GNU tar and containerd write
/// them this way), applied best effort: a file system without xattr support does not fail the
/// import.
/// </summary>
internal static class Xattrs
{
    private const string PaxPrefix = "SCHILY.xattr.";

    /// <summary>
    /// Which attributes an image may set. <c>trusted.overlay.*</c> is refused: those attributes
    /// steer overlayfs (opaque, redirect, metacopy), and only our whiteout conversion may write
    /// them. Values that did not survive UTF-8 decoding of the PAX record (binary ones such as
    /// <c>security.capability</c> read by System.Formats.Tar) are skipped rather than corrupted.
    /// </summary>
    public static bool Allowed(string name, string value) =>
        (name.StartsWith("user.", StringComparison.Ordinal) || name.StartsWith("security.", StringComparison.Ordinal)
            || name.StartsWith("trusted.", StringComparison.Ordinal))
        && !name.StartsWith("trusted.overlay.", StringComparison.Ordinal)
        && !value.Contains('\uFFFD');

    public static void Apply(IReadOnlyDictionary<string, string> pax, string path)
    {
        foreach (var (key, value) in pax)
        {
            if (!key.StartsWith(PaxPrefix, StringComparison.Ordinal)) continue;
            var name = key[PaxPrefix.Length..];
            if (!Allowed(name, value)) continue;
            try
            {
                FileOps.Lsetxattr(path, name, Encoding.UTF8.GetBytes(value));
            }
            catch (LinuxError e) when (e.Errno is Errno.EOPNOTSUPP or Errno.EPERM or Errno.EINVAL or Errno.ENOSPC)
            {
                // Best effort, as the issue asks: the file is still correct without the attribute.
            }
        }
    }
}
