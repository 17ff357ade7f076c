namespace Sublet.Images.Registry;

/// <summary>The rules for <c>registries.mirrors</c> entries, for the configuration's validation.</summary>
public static class RegistryMirrors
{
    /// <summary>
    /// Why <paramref name="url"/> cannot be a mirror (<c>[http://|https://]host[:port][/namespace]</c>;
    /// <c>http://</c> only for loopback hosts and those in <paramref name="insecure"/>); null when it can.
    /// </summary>
    public static string? Problem(string url, IReadOnlyCollection<string> insecure) => RegistryEndpoint.MirrorProblem(url, insecure);
}
