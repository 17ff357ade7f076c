namespace Sublet.Images;

internal enum FileKind { Missing, Directory, Symlink, Other }

internal static class FileKinds
{
    /// <summary>
    /// What is at <paramref name="path"/> itself, without following a symlink in the last
    /// component (the BCL's attributes come from lstat(2); a symlink carries ReparsePoint).
    /// </summary>
    public static FileKind Of(string path)
    {
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileKind.Missing;
        }
        if ((attributes & FileAttributes.ReparsePoint) != 0) return FileKind.Symlink;
        return (attributes & FileAttributes.Directory) != 0 ? FileKind.Directory : FileKind.Other;
    }
}
