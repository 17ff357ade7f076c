using Sublet.Linux.Files;

namespace Sublet.Linux.Tests;

/// <summary>Removing trees deeper than PATH_MAX, without following symlinks out (no root needed).</summary>
public sealed class TreeRemoverTests : IDisposable
{
    private const int Segment = 100;
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-treeremover-").FullName;

    public void Dispose() => TreeRemover.Remove(_dir);

    /// <summary>
    /// A chain of directories <paramref name="segments"/> × 101 deep, each level holding a file, a
    /// symlink to <paramref name="outsideFile"/> and one to <paramref name="outsideDir"/>. Built
    /// as a pod would: nobody can name its bottom by path, so each short segment is made by path
    /// and the deep part so far moved (by its short top path) below it.
    /// </summary>
    private static void BuildChain(string top, int segments, string outsideFile, string outsideDir)
    {
        var staging = top + ".s";
        Directory.CreateDirectory(top);
        for (var i = 0; i < segments; i++)
        {
            var bottom = staging;
            for (var level = 0; level < Segment; level++)
            {
                bottom = Path.Combine(bottom, "a");
                Directory.CreateDirectory(bottom);
                File.WriteAllText(Path.Combine(bottom, "f"), "x");
                File.CreateSymbolicLink(Path.Combine(bottom, "file-outside"), outsideFile);
                File.CreateSymbolicLink(Path.Combine(bottom, "dir-outside"), outsideDir);
            }
            Directory.Move(top, Path.Combine(bottom, "t"));
            Directory.Move(staging, top);
        }
    }

    [Fact]
    public void A_tree_deeper_than_PATH_MAX_is_removed_and_what_its_symlinks_point_to_survives()
    {
        var outsideDir = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outsideDir);
        var outsideFile = Path.Combine(outsideDir, "sentinel");
        File.WriteAllText(outsideFile, "keep");
        var tree = Path.Combine(_dir, "tree");
        BuildChain(tree, 30, outsideFile, outsideDir);
        // 30 × 101 levels of "a/": the bottom's path is over 6,000 bytes, past PATH_MAX (4096),
        // where the BCL's path-based recursion fails (the bug this remover fixes).
        Assert.ThrowsAny<IOException>(() => Directory.Delete(tree, recursive: true));

        TreeRemover.Remove(tree);

        Assert.False(Path.Exists(tree));
        Assert.Equal("keep", File.ReadAllText(outsideFile));
        Assert.Equal(["sentinel"], Directory.GetFileSystemEntries(outsideDir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_missing_path_is_fine_and_a_symlink_is_unlinked_not_followed()
    {
        TreeRemover.Remove(Path.Combine(_dir, "missing"));

        var target = Path.Combine(_dir, "target");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "kept"), "x");
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, target);
        TreeRemover.Remove(link);

        Assert.False(Path.Exists(link));
        Assert.True(File.Exists(Path.Combine(target, "kept")));
    }

    [Fact]
    public void A_wide_tree_with_unreadable_directories_and_odd_names_is_removed()
    {
        var tree = Path.Combine(_dir, "wide");
        for (var i = 0; i < 300; i++)
        {
            var sub = Path.Combine(tree, $"d{i}", "e");
            Directory.CreateDirectory(sub);
            File.WriteAllText(Path.Combine(sub, $"file with spaces {i}"), "x");
            File.WriteAllText(Path.Combine(tree, $"f{i}-{new string('n', 200)}"), "x");
        }
        File.SetUnixFileMode(Path.Combine(tree, "d7"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        TreeRemover.Remove(tree);

        Assert.False(Path.Exists(tree));
    }

    [Fact]
    public void A_file_name_that_is_not_UTF8_is_removed()
    {
        var tree = Path.Combine(_dir, "bytes");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        // \377 is not UTF-8; the shell makes the names, as a pod could.
        var start = new System.Diagnostics.ProcessStartInfo("sh", ["-c", "touch \"$(printf 'x\\377y')\" && mkdir \"$(printf 'd\\376')\" && touch \"$(printf 'd\\376')/f\""]) { WorkingDirectory = tree };
        using (var shell = System.Diagnostics.Process.Start(start)!)
        {
            shell.WaitForExit();
            Assert.Equal(0, shell.ExitCode);
        }
        Assert.Equal(3, Directory.GetFileSystemEntries(tree).Length);

        TreeRemover.Remove(tree);

        Assert.False(Path.Exists(tree));
    }
}
