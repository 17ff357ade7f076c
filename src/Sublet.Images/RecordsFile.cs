using System.Text.Json;

namespace Sublet.Images;

/// <summary>
/// The store's references: one JSON file, <c>&lt;root&gt;/images.json</c>, holding every
/// <see cref="ImageRecord"/>. Writers hold the store lock and replace the file by rename(2) of a
/// fully written and fsynced temporary file, so a reader without the lock always sees a whole
/// old or a whole new file, never a torn one.
/// </summary>
internal sealed class RecordsFile(string path)
{
    public IReadOnlyList<ImageRecord> Read()
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        return OciJson.Parse<List<ImageRecord>>(json, path);
    }

    public void Write(IReadOnlyList<ImageRecord> records)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId;
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, records as List<ImageRecord> ?? [.. records], OciJson.TypeInfo<List<ImageRecord>>());
            file.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
