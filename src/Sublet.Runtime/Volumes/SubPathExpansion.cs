using Sublet.Runtime.Oci;
using Sublet.Runtime.Plan;

namespace Sublet.Runtime.Volumes;

/// <summary>
/// The subPath a container's mount uses: <c>subPath</c> as given, or <c>subPathExpr</c> with
/// <c>$(VAR)</c> expanded from the container's env (kubelet ExpandContainerVolumeMounts over
/// third_party/forked/golang/expansion): <c>$$</c> is a literal <c>$</c>, an unclosed <c>$(</c> stays
/// as written, and a variable that is unset or empty fails the container.
/// </summary>
public static class SubPathExpansion
{
    /// <exception cref="PlanException">A referenced variable has no value, or the result is absolute or climbs with "..".</exception>
    public static string For(VolumeMountPlan mount, IReadOnlyList<EnvVar> env)
    {
        if (mount.SubPathExpr.Length == 0)
        {
            return mount.SubPath;
        }
        var values = new Dictionary<string, string>();
        foreach (var e in env)
        {
            values[e.Name] = e.Value; // the last definition wins, as in the container's environment
        }
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var expanded = Expand(mount.SubPathExpr, name =>
        {
            if (!values.TryGetValue(name, out var value) || value.Length == 0)
            {
                missing.Add(name);
                return "";
            }
            return value;
        });
        if (missing.Count > 0)
        {
            throw new PlanException($"subPathExpr \"{mount.SubPathExpr}\": missing value for {string.Join(", ", missing)}");
        }
        // kubelet makeMounts: the expanded path is checked like a subPath.
        if (expanded.StartsWith('/'))
        {
            throw new PlanException($"subPathExpr \"{mount.SubPathExpr}\": SubPath `{expanded}` must not be an absolute path");
        }
        if (expanded.Split('/').Contains(".."))
        {
            throw new PlanException($"subPathExpr \"{mount.SubPathExpr}\": unable to provision SubPath `{expanded}`: must not contain '..'");
        }
        return expanded;
    }

    /// <summary>The kubelet's expansion syntax: <c>$(NAME)</c> is replaced, <c>$$</c> escapes, anything else stays.</summary>
    public static string Expand(string input, Func<string, string> lookup)
    {
        var result = new System.Text.StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                result.Append(input[i]);
                continue;
            }
            var next = input[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and >= 0)
            {
                result.Append(lookup(input[(i + 2)..close]));
                i = close;
            }
            else
            {
                result.Append('$').Append(next); // not a reference (or an unclosed one): kept as written
                i++;
            }
        }
        return result.ToString();
    }
}
