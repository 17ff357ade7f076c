using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Applies new cgroup limits to a running container (runc update).</summary>
    public override Task<UpdateContainerResourcesResponse> UpdateContainerResources(UpdateContainerResourcesRequest request, ServerCallContext context)
    {
        _runtime.UpdateResources(Resolve.Container(_runtime, request.ContainerId), ContainerMapper.Resources(request.Linux));
        return Task.FromResult(new UpdateContainerResourcesResponse());
    }
}
