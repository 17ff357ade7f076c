using Sublet.Images;

namespace Sublet.Runtime.State;

/// <summary>
/// Who uses an image: every container of every pod in the store whose image ID is the image's,
/// whatever its state, because an exited container's root filesystem is still an overlay of the
/// image's layers until its pod is removed. <c>sublet rmi</c> and CRI RemoveImage refuse to
/// delete an image such a container uses (issue 20 item 4; containerd and podman refuse too).
/// </summary>
public static class ImageUsers
{
    public static IReadOnlyList<string> Of(StateStore store, ImageRecord image)
    {
        var sandboxes = store.Sandboxes().ToDictionary(s => s.Id);
        return
        [
            .. store.Pods().SelectMany(pod => store.Containers(pod.Id)
                .Where(c => c.ImageId == image.Id)
                .Select(c => $"container \"{c.Name}\" of pod {pod.Namespace}/{pod.Name}")),
            // A play pod's containers are in the runtime core too; they were named above.
            .. store.SandboxContainers().Where(c => c.ImageId == image.Id && !(sandboxes.TryGetValue(c.SandboxId, out var s) && s.Config.Owner == Sandboxes.Owner.Play))
                .Select(c => $"container \"{c.Config.Name}\" ({c.Id[..12]}) of CRI pod {Name(sandboxes, c.SandboxId)}"),
        ];
    }

    private static string Name(Dictionary<string, Sandboxes.SandboxEntry> sandboxes, string id) =>
        sandboxes.TryGetValue(id, out var s) ? $"{s.Config.Namespace}/{s.Config.Name}" : id[..12];

    /// <summary>The users as the store at <paramref name="stateRoot"/> records them, read with a connection of its own.</summary>
    public static IReadOnlyList<string> Of(string stateRoot, ImageRecord image)
    {
        using var store = new StateStore(stateRoot);
        return Of(store, image);
    }
}
