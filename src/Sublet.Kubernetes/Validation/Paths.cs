namespace Sublet.Kubernetes.Validation;

/// <summary>
/// The path and file-mode checks of pkg/apis/core/validation/validation.go shared by volumes, mounts,
/// seccomp profiles and env files, with upstream's messages.
/// </summary>
internal static class Paths
{
    private const string FileModeError = "must be a number between 0 and 0777 (octal), both inclusive";

    /// <summary>validatePathNoBacksteps: one error however many ".." elements the path has.</summary>
    public static void NoBacksteps(string target, string field, FieldErrors errors)
    {
        if (HasBackstep(target)) errors.Invalid(field, target, "must not contain '..'");
    }

    /// <remarks>filepath.ToSlash is the identity on Linux, so a backslash is an ordinary character.</remarks>
    public static bool HasBackstep(string target) => target.Split('/').Contains("..");

    /// <summary>validateLocalDescendingPath: relative (path.IsAbs) and without "..".</summary>
    public static void LocalDescending(string target, string field, FieldErrors errors)
    {
        if (target.StartsWith('/')) errors.Invalid(field, target, "must be a relative path");
        NoBacksteps(target, field, errors);
    }

    /// <summary>
    /// ValidateLocalNonReservedPath: a local descending path that also does not start with ".." (the
    /// kubelet's atomic writer keeps its "..data" and timestamped directories there). A "../" start is
    /// already reported as a backstep, so it is not reported twice.
    /// </summary>
    public static void LocalNonReserved(string target, string field, FieldErrors errors)
    {
        LocalDescending(target, field, errors);
        if (target.StartsWith("..") && !target.StartsWith("../")) errors.Invalid(field, target, "must not start with '..'");
    }

    /// <summary>File modes of configMap, secret, downwardAPI and projected files: 0..0777, printed in decimal.</summary>
    public static void FileMode(int? mode, string field, FieldErrors errors)
    {
        if (mode is { } m && m is < 0 or > 511) errors.Invalid(field, m, FileModeError);
    }
}
