using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// A play container's logs, one file per attempt as the kubelet keeps them: the current attempt's
/// and the one before it (what <c>kubectl logs --previous</c> reads); older ones go when an attempt
/// starts, as the kubelet's garbage collection removes all but the last dead container.
/// </summary>
public static class ContainerLogs
{
    /// <summary>
    /// The live attempt's log. A pod an older sublet started wrote every attempt to 0.log: while the
    /// attempt's own file does not exist, that one is read.
    /// </summary>
    public static string Current(PodPaths paths, ContainerRecord container) =>
        paths.LogPath(container.Name, container.RestartCount) is var log && (container.RestartCount == 0 || File.Exists(log))
            ? log
            : paths.LogPath(container.Name, 0);

    /// <summary>The log of the attempt before the current one; null when there was none or its file is gone.</summary>
    public static string? Previous(PodPaths paths, ContainerRecord container) =>
        container.RestartCount > 0 && paths.LogPath(container.Name, container.RestartCount - 1) is var log && File.Exists(log) ? log : null;

    /// <summary>Removes the logs (and their rotated files) of attempts before <paramref name="attempt"/> − 1.</summary>
    public static void Prune(PodPaths paths, string name, int attempt)
    {
        var dir = paths.KubeletContainerDir(name);
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var file in Directory.GetFiles(dir))
        {
            var fileName = Path.GetFileName(file);
            var dot = fileName.IndexOf(".log", StringComparison.Ordinal);
            if (dot > 0 && int.TryParse(fileName.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var old)
                && old < attempt - 1)
            {
                File.Delete(file);
            }
        }
    }
}
