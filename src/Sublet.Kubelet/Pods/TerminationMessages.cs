using Sublet.Kubelet.Plan;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// The termination-message file of each container: created empty (mode 0666, so a non-root user
/// can write it) before every start and bound at <c>terminationMessagePath</c>, as the kubelet's
/// makeMounts does; read once the container has exited (<see cref="TerminationMessage"/> decides).
/// </summary>
public sealed class TerminationMessages
{
    private static readonly UnixFileMode Mode0666 = (UnixFileMode)0b110_110_110;

    /// <summary>How much of the log is read to find its last lines: 80 lines of conmon's at most 8 KiB each, with room for the CRI prefix.</summary>
    private const int LogTailBytes = TerminationMessage.MaxLogLines * 16 * 1024;

    private readonly RuntimeContext _ctx;

    public TerminationMessages(RuntimeContext ctx) => _ctx = ctx;

    /// <summary>A fresh, empty file for this run of the container, and its bind mount (read-write).</summary>
    public IReadOnlyList<MountSpec> Prepare(PodRecord pod, ContainerPlan container)
    {
        if (container.TerminationMessagePath is not { Length: > 0 } path)
        {
            return [];
        }
        var file = FilePath(_ctx.Paths(pod.Id), container.Name);
        PodFiles.Write(file, "", Mode0666);
        return [PodFiles.Bind(pod, file, TerminationMessage.MountPath(path), readOnly: false)];
    }

    /// <summary>The message of a container's attempt (<paramref name="record"/>) that exited with <paramref name="exitCode"/>; null when there is none.</summary>
    public string? Read(PodPlan plan, PodRecord pod, ContainerPlan container, ContainerRecord record, int exitCode)
    {
        if (container.TerminationMessagePath is not { Length: > 0 })
        {
            return null;
        }
        var paths = _ctx.Paths(pod.Id);
        byte[]? file;
        try
        {
            file = Tail(FilePath(paths, container.Name), TerminationMessage.MaxFileBytes);
        }
        catch (IOException e)
        {
            return $"Error on reading termination log {FilePath(paths, container.Name)}: {e.Message}"; // getTerminationMessage
        }
        var content = TerminationMessage.UsesLog(container.TerminationMessagePolicy, exitCode, file)
            ? TerminationMessage.FromLog(LogLines(ContainerLogs.Current(paths, record)))
            : file ?? [];
        return TerminationMessage.Message(content, TerminationMessage.PerContainerBytes(plan));
    }

    private static string FilePath(PodPaths paths, string container) => Path.Combine(paths.KubeletContainerDir(container), "termination-log");

    /// <summary>The last <paramref name="max"/> bytes of a file (kubelet tail.ReadAtMost); null when it does not exist.</summary>
    internal static byte[]? Tail(string path, int max)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = Math.Max(0, stream.Length - max);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - start];
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>The log's last lines (the first one dropped when the read started mid-file: it may be cut).</summary>
    internal static IReadOnlyList<string> LogLines(string log)
    {
        var bytes = Tail(log, LogTailBytes) ?? [];
        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n').ToList();
        if (File.Exists(log) && new FileInfo(log).Length > LogTailBytes && lines.Count > 0)
        {
            lines.RemoveAt(0);
        }
        return lines;
    }
}
