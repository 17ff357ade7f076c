using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Sublet.Images.Tests;

/// <summary>Builds layer tars in memory, entry by entry, for tests.</summary>
internal sealed class Tars
{
    private readonly List<PaxTarEntry> _entries = [];

    public static readonly DateTimeOffset Epoch = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public Tars Dir(string name, UnixFileMode mode = (UnixFileMode)0x1ed, int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode, Uid = uid, Gid = gid, ModificationTime = Epoch });

    public Tars File(string name, string content = "data", UnixFileMode mode = (UnixFileMode)0x1a4, int uid = 0, int gid = 0,
        IDictionary<string, string>? pax = null)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name, pax ?? new Dictionary<string, string>())
        {
            Mode = mode, Uid = uid, Gid = gid, ModificationTime = Epoch,
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
        };
        return Add(entry);
    }

    public Tars Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1ff, ModificationTime = Epoch });

    public Tars HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = Epoch });

    public Tars Device(string name, TarEntryType type, int major, int minor)
    {
        var entry = new PaxTarEntry(type, name) { Mode = (UnixFileMode)0x1b6, ModificationTime = Epoch };
        if (type != TarEntryType.Fifo)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }
        return Add(entry);
    }

    public Tars Add(PaxTarEntry entry)
    {
        _entries.Add(entry);
        return this;
    }

    public byte[] Build()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor();
        return compressor.Wrap(data).ToArray();
    }

    /// <summary>A tar of the files under <paramref name="dir"/> (names relative to it).</summary>
    public static void ArchiveDirectory(string dir, string tarPath)
    {
        using var output = System.IO.File.Create(tarPath);
        TarFile.CreateFromDirectory(dir, output, includeBaseDirectory: false);
    }
}
