using System.IO.Compression;

namespace Sublet.Runtime.Logs;

/// <summary>What a rotation check did to one log.</summary>
public enum RotationOutcome
{
    /// <summary>Below the size limit, or missing.</summary>
    Unchanged,
    Rotated,
    /// <summary>Over the limit, but the writer was gone; the log stays where it was.</summary>
    WriterGone,
}

/// <summary>
/// Carries out a <see cref="RotationPlan"/> on one container's log. The rename comes before the
/// reopen, as in the kubelet: until conmon reopens, it keeps writing into the renamed file, so no
/// line is lost; then it creates the log afresh (conmon ctr_logging.c reopen_k8s_file: a temporary
/// file renamed over the path, so readers never see a half-made one).
/// </summary>
public sealed class LogRotator
{
    private const string CompressingSuffix = ".gz.tmp";
    private static readonly TimeSpan ReopenWait = TimeSpan.FromSeconds(2);
    private readonly LogPolicy _policy;
    private readonly TimeProvider _time;

    public LogRotator(LogPolicy policy, TimeProvider time)
    {
        _policy = policy;
        _time = time;
    }

    /// <param name="reopen">Asks the log's writer to reopen it; false when there is no writer.</param>
    public RotationOutcome Rotate(string logPath, Func<bool> reopen)
    {
        var log = new FileInfo(logPath);
        var dir = log.DirectoryName!;
        if (!log.Exists)
        {
            return RotationOutcome.Unchanged;
        }
        var siblings = Directory.GetFiles(dir);
        // A compression cut short by a crash; conmon's own LOG.tmp is its business and stays.
        foreach (var leftover in siblings.Where(s => s.StartsWith(logPath + ".", StringComparison.Ordinal) && s.EndsWith(CompressingSuffix, StringComparison.Ordinal)))
        {
            File.Delete(leftover);
        }
        var plan = RotationPlanner.Plan(logPath, log.Length, siblings, _policy, _time.GetUtcNow());
        if (plan.RotateTo is null)
        {
            return RotationOutcome.Unchanged;
        }
        plan.Delete.ToList().ForEach(File.Delete);
        plan.Compress.ToList().ForEach(Compress);
        File.Move(logPath, plan.RotateTo);
        if (!reopen())
        {
            File.Move(plan.RotateTo, logPath);
            return RotationOutcome.WriterGone;
        }
        WaitForNewLog(logPath);
        return RotationOutcome.Rotated;
    }

    private static void Compress(string path)
    {
        var temporary = path + CompressingSuffix;
        using (var source = new FileStream(path, FileMode.Open, FileAccess.Read))
        using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        using (var gzip = new GZipStream(target, CompressionLevel.Fastest))
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            source.CopyTo(gzip);
        }
        File.Move(temporary, path + ".gz");
        File.Delete(path);
    }

    /// <summary>conmon reopens from its main loop; waiting here keeps two checks from racing one reopen.</summary>
    private static void WaitForNewLog(string logPath)
    {
        var deadline = Environment.TickCount64 + (long)ReopenWait.TotalMilliseconds;
        while (!File.Exists(logPath) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(10);
        }
    }
}
