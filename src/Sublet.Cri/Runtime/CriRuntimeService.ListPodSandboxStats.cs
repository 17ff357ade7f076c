using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Stats of the ready CRI sandboxes that match the filter.</summary>
    public override Task<ListPodSandboxStatsResponse> ListPodSandboxStats(ListPodSandboxStatsRequest request, ServerCallContext context)
    {
        var f = request.Filter;
        var response = new ListPodSandboxStatsResponse();
        foreach (var view in _runtime.ListSandboxes(Owner.Cri).Where(v => v.State == SandboxState.Ready
            && (f is null || ((f.Id.Length == 0 || v.Entry.Id.StartsWith(f.Id, StringComparison.Ordinal)) && LabelSelector.Matches(f.LabelSelector, v.Entry.Config.Labels)))))
        {
            try
            {
                response.Stats.Add(_stats.Sandbox(_runtime.SandboxStats(view.Entry.Id)));
            }
            catch (RuntimeError e) when (e.Kind == ErrorKind.NotFound)
            {
                // removed between the list and the read
            }
        }
        return Task.FromResult(response);
    }
}
