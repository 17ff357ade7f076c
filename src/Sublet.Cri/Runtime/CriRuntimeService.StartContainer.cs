using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override Task<StartContainerResponse> StartContainer(StartContainerRequest request, ServerCallContext context)
    {
        var id = Resolve.Container(_runtime, request.ContainerId);
        _runtime.StartContainer(id);
        _events.Publish(id, ContainerEventType.ContainerStartedEvent);
        return Task.FromResult(new StartContainerResponse());
    }
}
