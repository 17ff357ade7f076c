using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The CRI-owned sandboxes that match the filter; <c>play</c>'s pods are never listed, so a kubelet never collects them.</summary>
    public override Task<ListPodSandboxResponse> ListPodSandbox(ListPodSandboxRequest request, ServerCallContext context)
    {
        var response = new ListPodSandboxResponse();
        response.Items.Add(_runtime.ListSandboxes(Owner.Cri).Where(v => SandboxMapper.Matches(request.Filter, v)).Select(SandboxMapper.ToListItem));
        return Task.FromResult(response);
    }
}
