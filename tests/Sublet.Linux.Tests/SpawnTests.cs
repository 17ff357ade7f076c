using System.Globalization;
using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary>Programs started with posix_spawn(3) (conmon is), on a temp dir; no root needed.</summary>
public sealed class SpawnTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-spawn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs a shell script with the pipe's write end inherited as $FD (dash redirects only fds 0-9: reopen it through /proc) and returns what it wrote there.</summary>
    private (int? Exit, string Said) Run(string script, string? stderr = null, IReadOnlyDictionary<string, string>? env = null)
    {
        using var pipe = new InheritablePipe();
        using var other = new InheritablePipe(); // O_CLOEXEC like every descriptor here: must not reach the child
        var fd = pipe.WriteFd.ToString(CultureInfo.InvariantCulture);
        int pid;
        try
        {
            pid = Spawn.Start(new SpawnRequest
            {
                Program = "sh", Args = ["-c", script], WorkingDirectory = _dir, StderrFile = stderr, Inherit = [pipe.WriteFd],
                Env = new Dictionary<string, string>(env ?? new Dictionary<string, string>()) { ["FD"] = fd, ["OTHER"] = other.WriteFd.ToString(CultureInfo.InvariantCulture) },
            });
        }
        finally
        {
            pipe.CloseWriteEnd();
        }
        var exit = Spawn.Wait(pid);
        // The child has ended, so every write end is closed: the whole of what it said can be read.
        using var read = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe.ReadFd, ownsHandle: false), FileAccess.Read, 1);
        return (exit, new StreamReader(read).ReadToEnd().TrimEnd('\n'));
    }

    [Fact]
    public void The_child_gets_its_environment_directory_null_stdio_and_the_one_descriptor_it_inherits()
    {
        var (exit, said) = Run("""
            io="stdin $(readlink /proc/$$/fd/0) stdout $(readlink /proc/$$/fd/1)"
            exec 9>"/proc/$$/fd/$FD"
            {
              echo "env $(env | grep -v '^PWD=' | sort | tr '\n' ' ')"
              echo "cwd $(pwd)"
              echo "$io"
              [ -e /proc/$$/fd/$FD ] && echo "inherited"
              [ -e /proc/$$/fd/$OTHER ] && echo "leaked"
              grep -E '^Sig(Blk|Ign)' /proc/$$/status
            } >&9
            """, env: new Dictionary<string, string> { ["X"] = "1", ["PATH"] = "/usr/bin:/bin" });
        Assert.Equal(0, exit);
        var lines = said.Split('\n');
        Assert.Equal("env FD=", lines[0][..7]);
        Assert.Contains(" X=1 ", lines[0] + " ");
        Assert.DoesNotContain("HOME=", lines[0]);
        Assert.Equal("cwd " + _dir, lines[1]);
        Assert.Equal("stdin /dev/null stdout /dev/null", lines[2]);
        Assert.Equal("inherited", lines[3]);
        Assert.DoesNotContain("leaked", said);
        // Nothing blocked, and every disposition SIG_DFL: SIGPIPE, which this test host ignores, and
        // glibc's internal 32 and 33, which its posix_spawn would leave ignored.
        Assert.Equal(["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"], lines[4..6]);
    }

    [Fact]
    public void Stderr_is_appended_to_its_file_which_is_made_private()
    {
        var log = Path.Combine(_dir, "child.log");
        Run("echo first >&2", stderr: log);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        Run("echo second >&2", stderr: log);
        Assert.Equal("first\nsecond\n", File.ReadAllText(log));
    }

    [Fact]
    public void The_exit_code_and_a_killing_signal_are_reported() =>
        Assert.Equal([3, 128 + 9], new[] { Run("exit 3").Exit, Run("kill -9 $$").Exit });

    [Fact]
    public void A_missing_program_is_an_error_naming_it()
    {
        var error = Assert.Throws<LinuxError>(() => Spawn.Start(new SpawnRequest { Program = Path.Combine(_dir, "no-such-program") }));
        Assert.Contains("no-such-program", error.Message);
        Assert.Equal(Errno.ENOENT, error.Errno);
    }

    [Fact]
    public void A_missing_stderr_directory_fails_the_start_not_the_child()
    {
        var log = Path.Combine(_dir, "gone", "log");
        var error = Assert.Throws<LinuxError>(() => Spawn.Start(new SpawnRequest { Program = "true", StderrFile = log }));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains("stderr to " + log, error.Message);
    }

    [Fact]
    public void Stdio_descriptors_are_not_ones_to_inherit() =>
        Assert.Throws<ArgumentException>(() => Spawn.Start(new SpawnRequest { Program = "true", Inherit = [1] }));
}
