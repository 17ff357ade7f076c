namespace Sublet.Tests;

/// <summary>A private temporary directory, deleted at the end of the test.</summary>
internal sealed class TestDir : IDisposable
{
    public TestDir() => Path = Directory.CreateTempSubdirectory("sublet-tests-").FullName;

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Writes a file below the directory and returns its path.</summary>
    public string Write(string relative, string text)
    {
        var path = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a test that failed mid-way may have left odd files.
        }
    }
}
