namespace Sublet.Images.Tests;

/// <summary>A private temporary directory, deleted at the end of the test.</summary>
internal sealed class TestDir : IDisposable
{
    public TestDir()
    {
        Path = Directory.CreateTempSubdirectory("sublet-images-").FullName;
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

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
