namespace Sublet.Images.Tests;

internal static class StoreAssert
{
    /// <summary>No reference, blob, layer directory or staging leftover in the store at <paramref name="root"/>.</summary>
    public static void Empty(ImageStore store, string root)
    {
        Assert.Empty(store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "blobs/sha256")));
        Assert.Empty(Directory.GetFileSystemEntries(store.LayersRoot));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "tmp")));
    }
}
