namespace Sublet.Integration.Tests;

/// <summary>
/// A host process running as some host user (issue 19): what an escaped container running as the
/// pod's host IDs, or any other local user, can do on the host side.
/// </summary>
internal static class HostAttacker
{
    /// <summary>
    /// Runs <paramref name="program"/> as <paramref name="uid"/>:<paramref name="gid"/> without
    /// capabilities; <paramref name="withGroup"/> adds <paramref name="gid"/> as a supplementary
    /// group (setpriv --groups), else none (--clear-groups). The program is started by a shell
    /// already running as that user, so its path is resolved with that user's rights.
    /// </summary>
    public static CliResult Run(long uid, long gid, bool withGroup, string program, params string[] args) =>
        Setpriv(uid, gid, withGroup, ["/bin/sh", "-c", "exec \"$0\" \"$@\"", program, .. args]);

    /// <summary>
    /// As <see cref="Run"/>, but setpriv resolves and opens <paramref name="program"/> itself, while
    /// it still holds root's capabilities (it drops them at execve): as if the user could reach any
    /// path. What runs then has only the rights the file and its mount give.
    /// </summary>
    public static CliResult RunReachingAnyPath(long uid, long gid, string program, params string[] args) =>
        Setpriv(uid, gid, withGroup: false, [program, .. args]);

    /// <summary>Whether a run of a set-ID <c>env id</c> or a capable <c>cat /etc/shadow</c> got host root's powers.</summary>
    public static bool GotHostRoot(CliResult result) =>
        result.Stdout.Contains("euid=0(", StringComparison.Ordinal) || result.Stdout.Contains("egid=0(", StringComparison.Ordinal)
        || result.Stdout.StartsWith("root:", StringComparison.Ordinal);

    private static CliResult Setpriv(long uid, long gid, bool withGroup, string[] command) =>
        Host.Run("setpriv", ["--reuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--regid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            withGroup ? "--groups=" + gid.ToString(System.Globalization.CultureInfo.InvariantCulture) : "--clear-groups", .. command]);

    /// <summary>
    /// Sets file capabilities on <paramref name="path"/> as the pod's root does: from inside the
    /// pod's user namespace (entered through its pause process), through the pod's own mounts.
    /// </summary>
    /// <summary>
    /// <paramref name="path"/> as the pod's first container sees it, reached from the host through
    /// /proc/PID/root (proc(5)): the pod's root may follow it into its own container's mounts.
    /// </summary>
    public static string InContainer(System.Text.Json.JsonElement pod, string path) =>
        $"/proc/{pod.GetProperty("containers")[0].GetProperty("pid").GetInt32()}/root{path}";

    public static CliResult SetCapabilitiesAsPodRoot(int pausePid, string path, string capabilities) =>
        Host.Run("nsenter", "--target", pausePid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", "--setuid", "0", "--setgid", "0",
            "/usr/sbin/setcap", capabilities, path);
}
