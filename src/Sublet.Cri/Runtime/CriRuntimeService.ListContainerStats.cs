using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Stats of the CRI containers that match the filter and still run or wait to (an exited container has no cgroup to read).</summary>
    public override Task<ListContainerStatsResponse> ListContainerStats(ListContainerStatsRequest request, ServerCallContext context)
    {
        var f = request.Filter;
        var views = _runtime.ListContainers(Owner.Cri)
            .Where(v => v.State is CtrState.Running or CtrState.Created)
            .Where(v => f is null || ((f.Id.Length == 0 || v.Entry.Id.StartsWith(f.Id, StringComparison.Ordinal))
                && (f.PodSandboxId.Length == 0 || v.Entry.SandboxId.StartsWith(f.PodSandboxId, StringComparison.Ordinal))
                && LabelSelector.Matches(f.LabelSelector, v.Entry.Config.Labels)))
            .ToList();
        var response = new ListContainerStatsResponse();
        foreach (var view in views)
        {
            try
            {
                response.Stats.Add(_stats.Container(_runtime.ContainerStats(view.Entry.Id)));
            }
            catch (RuntimeError e) when (e.Kind == ErrorKind.NotFound)
            {
                // removed between the list and the read
            }
        }
        _stats.Keep(_runtime.ListContainers(Owner.Cri).Select(v => v.Entry.Id).Concat(_runtime.ListSandboxes(Owner.Cri).Select(s => s.Entry.Id)));
        return Task.FromResult(response);
    }
}
