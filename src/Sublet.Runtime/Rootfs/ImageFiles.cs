using System.Text;
using Sublet.Linux;
using Sublet.Linux.Files;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Rootfs;

/// <summary>
/// The files the runtime itself reads from a container's image: /etc/passwd and /etc/group, for a
/// USER given by name, the primary group of a numeric one and the image's supplementary groups
/// (containerd WithUser, WithUserID, WithAdditionalGIDs; the kubelet reads nothing from images).
/// Sublet reads them as host root from the prepared rootfs, so the image decides what is there.
/// Through <see cref="IRootedFiles"/> the path resolves inside the rootfs (an absolute symlink to
/// /etc/shadow means the image's own /etc/shadow), only a regular file is opened for reading (a
/// FIFO would block the start, /dev/zero would never end, a device's open runs its driver), and at
/// most <see cref="MaxBytes"/> are read. Anything else fails the container, naming the file and
/// the image. containerd bounds lines (bufio.Scanner, 64 KiB) but not files, and blocks on a FIFO.
/// </summary>
public sealed class ImageFiles(IRootedFiles files)
{
    /// <summary>1 MiB, about 15,000 accounts: far above any image's, far below what would hurt.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The text of <paramref name="path"/> in the rootfs; null when the image has none (a dangling symlink included).</summary>
    /// <exception cref="PlanException">It is not a regular file, is larger than <see cref="MaxBytes"/>, or can't be resolved safely.</exception>
    public string? Read(string rootfs, string path, string container, string image)
    {
        RootedFile file;
        try
        {
            file = files.Read(rootfs, path, MaxBytes);
        }
        catch (LinuxError e)
        {
            throw Fail(container, image, $"{path} can't be read safely: {e.Message}");
        }
        return Text(file, path, container, image);
    }

    /// <summary>What a read means for the container: the text, nothing, or the reason it can't start.</summary>
    public static string? Text(RootedFile file, string path, string container, string image) => file switch
    {
        { Kind: PathKind.Missing } => null,
        { TooLarge: true } => throw Fail(container, image, $"{path} is larger than {MaxBytes} bytes"),
        { Kind: PathKind.Regular, Content: { } bytes } => Encoding.UTF8.GetString(bytes),
        _ => throw Fail(container, image, $"{path} is {PathKinds.Describe(file.Kind)}, not a regular file"),
    };

    private static PlanException Fail(string container, string image, string why) => new($"container \"{container}\": image {image}: {why}");
}
