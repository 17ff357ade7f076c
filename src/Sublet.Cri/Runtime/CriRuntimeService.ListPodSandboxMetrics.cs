using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// cAdvisor-style metrics of every ready CRI sandbox and its running containers, read now
    /// (containerd: ready sandboxes only; a sandbox gone meanwhile is left out, not an error).
    /// </summary>
    public override Task<ListPodSandboxMetricsResponse> ListPodSandboxMetrics(ListPodSandboxMetricsRequest request, ServerCallContext context)
    {
        var response = new ListPodSandboxMetricsResponse();
        foreach (var view in _runtime.ListSandboxes(Owner.Cri).Where(v => v.State == SandboxState.Ready))
        {
            try
            {
                response.PodMetrics.Add(MetricsMapper.Sandbox(_runtime.SandboxMetrics(view.Entry.Id)));
            }
            catch (RuntimeError e) when (e.Kind == ErrorKind.NotFound)
            {
                // removed between the list and the read
            }
        }
        return Task.FromResult(response);
    }
}
