using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The metrics ListPodSandboxMetrics sends: the kubelet builds its Prometheus descriptions from these (name, help, label keys).</summary>
    public override Task<ListMetricDescriptorsResponse> ListMetricDescriptors(ListMetricDescriptorsRequest request, ServerCallContext context)
    {
        var response = new ListMetricDescriptorsResponse();
        response.Descriptors.Add(MetricsMapper.Descriptors());
        return Task.FromResult(response);
    }
}
