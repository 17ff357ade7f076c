using System.Text;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Monitor;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// What becomes a container's <c>state.terminated.message</c>, as the kubelet decides it
/// (pkg/kubelet/kuberuntime convertToKubeContainerStatus, getTerminationMessage,
/// readLastStringFromContainerLogs) with its limits (pkg/kubelet/container runtime.go). Pure.
/// </summary>
public static class TerminationMessage
{
    /// <summary>MaxContainerTerminationMessageLength: the file is read from its end, at most this much.</summary>
    public const int MaxFileBytes = 4 * 1024;

    /// <summary>MaxPodTerminationMessageLogLength: shared evenly by the pod's containers (status manager normalizeStatus).</summary>
    public const int MaxPodBytes = 12 * 1024;

    /// <summary>MaxContainerTerminationMessageLogLines and MaxContainerTerminationMessageLogLength: the log fallback.</summary>
    public const int MaxLogLines = 80;
    public const int MaxLogBytes = 2 * 1024;

    /// <summary>
    /// FallbackToLogsOnError: the log is used when the container failed and its file is missing
    /// or empty (a message it wrote always wins).
    /// </summary>
    public static bool UsesLog(TerminationMessagePolicy policy, int exitCode, byte[]? file) =>
        policy == TerminationMessagePolicy.FallbackToLogsOnError && exitCode != 0 && file is not { Length: > 0 };

    /// <summary>
    /// The last <see cref="MaxLogLines"/> lines of a CRI log (partial lines joined, full lines
    /// ending in a newline, stdout and stderr alike), then the last <see cref="MaxLogBytes"/> bytes
    /// of that (the kubelet's circular buffer).
    /// </summary>
    public static byte[] FromLog(IReadOnlyList<string> rawLines)
    {
        var text = new StringBuilder();
        foreach (var line in rawLines.Where(l => l.Length > 0).TakeLast(MaxLogLines))
        {
            if (CriLogLine.TryParse(line, out var entry))
            {
                text.Append(entry.Content);
                if (!entry.Partial)
                {
                    text.Append('\n');
                }
            }
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        return bytes.Length > MaxLogBytes ? bytes[^MaxLogBytes..] : bytes;
    }

    /// <summary>
    /// Where the file is mounted: the kubelet takes the path as absolute (volumeutil.MakeAbsolutePath
    /// on Linux is filepath.Clean("/" + path)), so "log" is /log and ".." cannot climb above /.
    /// </summary>
    public static string MountPath(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
            }
            else if (part is not ("" or "."))
            {
                parts.Add(part);
            }
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>Each container's share of the pod's budget: 12 KiB over init and app containers.</summary>
    public static int PerContainerBytes(PodPlan plan) => MaxPodBytes / Math.Max(1, plan.Containers.Count + plan.InitContainers.Count);

    /// <summary>The message as stored: the first <paramref name="limit"/> bytes (normalizeStatus keeps the start), null when empty.</summary>
    public static string? Message(byte[] content, int limit)
    {
        var kept = content.Length > limit ? content[..limit] : content;
        return kept.Length == 0 ? null : Encoding.UTF8.GetString(kept);
    }
}
