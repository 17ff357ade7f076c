namespace Sublet.Runtime.Oci;

/// <summary>A container process's environment (runtime-spec config.md process.env), merged the way containerd and the kubelet merge it.</summary>
public static class ProcessEnvironment
{
    /// <summary>
    /// The image's <c>NAME=value</c> entries, PATH if the image sets none (containerd
    /// oci.defaultUnixEnv), HOSTNAME (containerd adds it; none for an empty name), then the
    /// requested ones; a name set twice keeps its first place and its last value.
    /// </summary>
    public static IReadOnlyList<string> Merge(IEnumerable<string> imageEnv, string hostname, IEnumerable<KeyValuePair<string, string>> requested)
    {
        var env = new List<KeyValuePair<string, string>>();
        void Set(string name, string value)
        {
            var at = env.FindIndex(e => e.Key == name);
            if (at >= 0) env[at] = new(name, value); else env.Add(new(name, value));
        }
        foreach (var item in imageEnv)
        {
            var eq = item.IndexOf('=');
            Set(eq < 0 ? item : item[..eq], eq < 0 ? "" : item[(eq + 1)..]);
        }
        if (!env.Exists(e => e.Key == "PATH"))
        {
            Set("PATH", SpecDefaults.DefaultPath["PATH=".Length..]);
        }
        if (hostname.Length > 0)
        {
            Set("HOSTNAME", hostname);
        }
        foreach (var (name, value) in requested)
        {
            Set(name, value);
        }
        return env.Select(e => $"{e.Key}={e.Value}").ToList();
    }
}
