using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// validatePodResources of pkg/apis/core/validation/validation.go (PodLevelResources, beta and on
/// since 1.34): spec.resources names and quantities, then validatePodResourceConsistency — pod
/// requests cover the containers' aggregate requests, and no container limit exceeds the pod's.
/// </summary>
internal static class PodResourceValidator
{
    public static void Validate(V1PodSpec spec, FieldErrors errors)
    {
        if (spec.Resources is not { } resources) return;
        const string path = "spec.resources";
        if (spec.Os?.Name == "windows")
        {
            errors.Forbidden(path, "may not be set for a windows pod");
            return;
        }
        if (resources.Claims is not null) errors.Forbidden($"{path}.claims", "claims may not be set for Resources at pod-level");
        ResourceValidator.Validate(resources, path, ClaimValidator.Names(spec.ResourceClaims), errors, podLevel: true);
        // Pod requests the user left out are defaulted from the containers or the pod limit, so only
        // the ones written can fall short of the aggregate.
        foreach (var (name, aggregate) in AggregateRequests(spec))
        {
            if (resources.Requests?.TryGetValue(name, out var request) != true || request is null) continue;
            if (aggregate.ToDecimal() > request.ToDecimal())
                errors.Invalid($"{path}.requests[{name}]", ResourceValidator.Text(request), $"must be greater than or equal to aggregate container requests of {ResourceValidator.Text(aggregate)}");
        }
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            foreach (var (name, limit) in spec.Containers![i].Resources?.Limits ?? new Dictionary<string, ResourceQuantity>())
            {
                if (resources.Limits?.TryGetValue(name, out var podLimit) != true || podLimit is null || limit is null) continue;
                // Upstream's path: the container index, then the resource as a key, then "limits".
                if (limit.ToDecimal() > podLimit.ToDecimal())
                    errors.Invalid($"{path}.containers[{i}][{name}].limits", ResourceValidator.Text(limit), $"must be less than or equal to pod limits of {ResourceValidator.Text(podLimit)}");
            }
        }
    }

    /// <summary>
    /// resourcehelper.AggregateContainerRequests: app containers and sidecars run together; each
    /// other init container runs with the sidecars started before it; the pod needs the larger.
    /// A container's requests default to its limits.
    /// </summary>
    private static Dictionary<string, ResourceQuantity> AggregateRequests(V1PodSpec spec)
    {
        var running = new Dictionary<string, ResourceQuantity>();
        foreach (var c in spec.Containers ?? []) Add(running, Requests(c));
        var sidecars = new Dictionary<string, ResourceQuantity>();
        var init = new Dictionary<string, ResourceQuantity>();
        foreach (var c in spec.InitContainers ?? [])
        {
            var requests = Requests(c);
            Dictionary<string, ResourceQuantity> during;
            if (c.RestartPolicy == "Always")
            {
                Add(running, requests);
                Add(sidecars, requests);
                during = sidecars;
            }
            else
            {
                during = new Dictionary<string, ResourceQuantity>();
                Add(during, requests);
                Add(during, sidecars);
            }
            Max(init, during);
        }
        Max(running, init);
        return running;
    }

    private static Dictionary<string, ResourceQuantity> Requests(V1Container c)
    {
        var requests = new Dictionary<string, ResourceQuantity>(c.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>());
        foreach (var (name, limit) in c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>()) requests.TryAdd(name, limit);
        return requests;
    }

    /// <summary>addResourceList: a sum keeps the format of the first quantity of its resource, as Quantity.Add does.</summary>
    private static void Add(Dictionary<string, ResourceQuantity> list, Dictionary<string, ResourceQuantity> more)
    {
        foreach (var (name, q) in more)
        {
            if (q is null) continue;
            list[name] = list.TryGetValue(name, out var have) ? new ResourceQuantity(have.ToDecimal() + q.ToDecimal(), 0, have.Format) : q;
        }
    }

    private static void Max(Dictionary<string, ResourceQuantity> list, Dictionary<string, ResourceQuantity> other)
    {
        foreach (var (name, q) in other)
        {
            if (!list.TryGetValue(name, out var have) || q.ToDecimal() > have.ToDecimal()) list[name] = q;
        }
    }
}
