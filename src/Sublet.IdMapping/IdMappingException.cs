namespace Sublet.IdMapping;

/// <summary>
/// A subordinate-ID file, ID pool, uid_map or recorded range that cannot be used. When several
/// things are wrong at once (pool validation collects them all, like the kubelet config validators,
/// kube-userns.md §3.3) <see cref="Problems"/> lists each one and the message shows them all.
/// </summary>
public sealed class IdMappingException : Exception
{
    /// <summary>A single problem.</summary>
    public IdMappingException(string message)
        : base(message)
    {
        Problems = [message];
    }

    /// <summary>A single problem caused by <paramref name="innerException"/>.</summary>
    public IdMappingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>
    /// Several problems found in one check, introduced by <paramref name="context"/>
    /// (e.g. "invalid user namespace ID pool (...)").
    /// </summary>
    public IdMappingException(string context, IReadOnlyList<string> problems)
        : base(Format(context, problems))
    {
        Problems = [.. problems];
    }

    /// <summary>Every problem found, each a complete sentence fragment in kubelet wording where one exists.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string context, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 1)
        {
            return $"{context}: {problems[0]}";
        }
        return $"{context}: {problems.Count} problems:" + string.Concat(problems.Select(p => $"\n  - {p}"));
    }
}
