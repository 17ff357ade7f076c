using System.IO.Compression;
using Sublet.Runtime.Logs;
using Sublet.Tests;

namespace Sublet.Runtime.Tests;

/// <summary>The rotation executor on real files, with a fake writer standing in for conmon's reopen.</summary>
public sealed class LogRotatorTests
{
    private static readonly LogPolicy Policy = new(MaxBytes: 100, MaxFiles: 3, MonitorInterval: TimeSpan.FromSeconds(1));

    [Fact]
    public void ARotationRenamesBeforeTheReopenAndCompressesTheOlderFile()
    {
        using var dir = new TestDir();
        var log = dir.Write("0.log", new string('a', 150));
        var time = new ManualTime(new DateTimeOffset(2026, 12, 3, 5, 0, 0, TimeSpan.Zero));
        var rotator = new LogRotator(Policy, time);
        var reopened = 0;
        bool Reopen()
        {
            // conmon: the old file is already renamed away when it reopens the path.
            Assert.False(File.Exists(log));
            reopened++;
            File.WriteAllText(log, "");
            return true;
        }

        Assert.Equal(RotationOutcome.Rotated, rotator.Rotate(log, Reopen));
        File.WriteAllText(log, new string('b', 120));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(RotationOutcome.Rotated, rotator.Rotate(log, Reopen));
        File.WriteAllText(log, "small");
        Assert.Equal(RotationOutcome.Unchanged, rotator.Rotate(log, Reopen));

        Assert.Equal(2, reopened);
        Assert.Equal(["0.log", "0.log.20261203-050000.gz", "0.log.20261203-050001"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var gz = new GZipStream(File.OpenRead(dir["0.log.20261203-050000.gz"]), CompressionMode.Decompress);
        Assert.Equal(new string('a', 150), new StreamReader(gz).ReadToEnd());
        Assert.Equal(new string('b', 120), File.ReadAllText(dir["0.log.20261203-050001"]));
    }

    [Fact]
    public void WithNoWriterTheLogStaysWhereItWas()
    {
        using var dir = new TestDir();
        var log = dir.Write("0.log", new string('a', 150));
        var rotator = new LogRotator(Policy, TimeProvider.System);
        Assert.Equal(RotationOutcome.WriterGone, rotator.Rotate(log, () => false));
        Assert.Equal(["0.log"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(150, new FileInfo(log).Length);
    }

    [Fact]
    public void AHalfWrittenCompressionFromACrashIsRemovedAndConmonsTemporaryFileKept()
    {
        using var dir = new TestDir();
        var log = dir.Write("0.log", "x");
        dir.Write("0.log.20261203-050000.gz.tmp", "partial");
        dir.Write("0.log.tmp", "conmon's");
        Assert.Equal(RotationOutcome.Unchanged, new LogRotator(Policy, TimeProvider.System).Rotate(log, () => true));
        Assert.Equal(["0.log", "0.log.tmp"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AMissingLogIsNothingToDo()
    {
        using var dir = new TestDir();
        Assert.Equal(RotationOutcome.Unchanged, new LogRotator(Policy, TimeProvider.System).Rotate(dir["0.log"], () => throw new InvalidOperationException("no reopen for a missing log")));
    }
}
