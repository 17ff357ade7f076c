using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override Task<ListContainersResponse> ListContainers(ListContainersRequest request, ServerCallContext context)
    {
        var response = new ListContainersResponse();
        response.Containers.Add(_runtime.ListContainers(Owner.Cri).Where(v => ContainerMapper.Matches(request.Filter, v)).Select(ContainerMapper.ToListItem));
        return Task.FromResult(response);
    }
}
