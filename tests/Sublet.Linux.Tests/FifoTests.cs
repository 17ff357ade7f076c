using System.Diagnostics;
using Sublet.Linux.Files;

namespace Sublet.Linux.Tests;

/// <summary>Non-blocking writes to a FIFO (conmon's control FIFO is one), on a temp dir (no root needed).</summary>
public sealed class FifoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-fifo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string MakeFifo()
    {
        var path = Path.Combine(_dir, "ctl");
        using var mkfifo = Process.Start("mkfifo", ["-m", "0600", path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    [Fact]
    public void Without_a_reader_nothing_blocks_and_the_answer_is_no()
    {
        Assert.False(Fifo.TryWrite(MakeFifo(), "2 0 0\n"u8));
        Assert.False(Fifo.TryWrite(Path.Combine(_dir, "missing"), "2 0 0\n"u8));
    }

    [Fact]
    public void With_a_reader_the_message_arrives_whole()
    {
        var path = MakeFifo();
        // O_RDWR on a FIFO never blocks on Linux (fifo(7)) and makes us its reader.
        using var reader = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        Assert.True(Fifo.TryWrite(path, "2 0 0\n"u8));
        var buffer = new byte[16];
        Assert.Equal("2 0 0\n", System.Text.Encoding.ASCII.GetString(buffer, 0, reader.Read(buffer)));
    }

    [Fact]
    public void A_regular_file_in_its_place_is_refused()
    {
        var path = Path.Combine(_dir, "ctl");
        File.WriteAllText(path, "");
        var error = Assert.Throws<LinuxError>(() => Fifo.TryWrite(path, "2 0 0\n"u8));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Equal("", File.ReadAllText(path));
    }
}
