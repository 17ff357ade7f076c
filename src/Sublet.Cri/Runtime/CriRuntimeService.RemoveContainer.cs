using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Removes a container, killing it if it runs; one already gone is removed (idempotent).</summary>
    public override Task<RemoveContainerResponse> RemoveContainer(RemoveContainerRequest request, ServerCallContext context)
    {
        var id = Resolve.ContainerOrSelf(_runtime, request.ContainerId);
        var before = _runtime.ListContainers(Owner.Cri).FirstOrDefault(v => v.Entry.Id == id);
        _runtime.RemoveContainer(id);
        if (before is not null)
        {
            _events.Publish(id, ContainerEventType.ContainerDeletedEvent, before);
        }
        return Task.FromResult(new RemoveContainerResponse());
    }
}
