namespace Sublet.Runtime.Pods;

/// <summary>The removal of a pod's run or state tree that can't get stuck.</summary>
public static class PodTrees
{
    /// <summary>
    /// Removes <paramref name="tree"/>. Should that fail (a mount Sublet did not make, a file the
    /// kernel will not unlink), the tree is moved aside to <c>ROOT/trash</c> and the caller goes on:
    /// rename(2) names only the tree's top, so it works however deep the tree is, and a pod whose
    /// removal failed for ever would hold its record and ID range for ever.
    /// </summary>
    /// <param name="who">How the warning names the pod (<c>pod/NAME</c>).</param>
    /// <param name="root">Where its trash goes: on the tree's own mount, since rename(2) can't leave a mount (EXDEV).</param>
    public static void RemoveOrMoveAside(RuntimeContext ctx, string who, string id, string tree, string root)
    {
        try
        {
            Directories.Remove(tree);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var trash = Path.Combine(Directories.Private(Path.Combine(root, "trash")), $"{id}-{ctx.Time.GetUtcNow():yyyyMMddTHHmmssfff}");
            try
            {
                Directory.Move(tree, trash);
                ctx.Warn($"{who}: could not remove {tree} ({e.Message}); moved it to {trash}: remove it by hand");
            }
            catch (Exception moveError) when (moveError is IOException or UnauthorizedAccessException)
            {
                ctx.Warn($"{who}: could not remove {tree} ({e.Message}) nor move it to {trash} ({moveError.Message}): remove it by hand");
            }
        }
    }
}
