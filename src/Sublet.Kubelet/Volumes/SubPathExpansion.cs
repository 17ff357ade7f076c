using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;

namespace Sublet.Kubelet.Volumes;

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
        var expanded = Expansion.Expand(mount.SubPathExpr, name =>
        {
            if (!values.TryGetValue(name, out var value) || value.Length == 0)
            {
                missing.Add(name);
                return null;
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
}
