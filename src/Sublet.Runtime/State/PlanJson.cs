using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sublet.Runtime.Json;
using Sublet.Runtime.Network;
using Sublet.Runtime.Plan;

namespace Sublet.Runtime.State;

/// <summary>
/// A pod's stored plan, as <see cref="StateJson"/> writes it, with the parts many pods leave empty
/// behind <see cref="DeferredConverter{T}"/>: every process that reads or writes a plan (`play`, `ps`,
/// conmon's exit command) configured the whole plan graph before its first value otherwise
/// (docs/benchmarks.md §6e). The JSON is unchanged.
/// </summary>
internal static class PlanJson
{
    public static readonly JsonTypeInfo<PodPlan> PodPlan = Create();

    private static JsonTypeInfo<PodPlan> Create()
    {
        var options = new JsonSerializerOptions(StateJson.Default.Options);
        JsonConverter[] deferred =
        [
            new DeferredConverter<VolumePlan>(), new DeferredConverter<VolumeMountPlan>(), new DeferredConverter<LifecycleHook>(),
            new DeferredConverter<EnvVar>(), new DeferredConverter<HostAlias>(), new DeferredConverter<Sysctl>(),
            new DeferredConverter<PortMapping>(), new DeferredConverter<DnsOption>(),
        ];
        foreach (var converter in deferred)
        {
            options.Converters.Add(converter);
        }
        options.MakeReadOnly();
        return (JsonTypeInfo<PodPlan>)options.GetTypeInfo(typeof(PodPlan));
    }
}
