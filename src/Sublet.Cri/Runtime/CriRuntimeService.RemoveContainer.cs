using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Removes a container, killing it if it runs; one already gone is removed (idempotent).</summary>
    public override Task<RemoveContainerResponse> RemoveContainer(RemoveContainerRequest request, ServerCallContext context)
    {
        var match = Resolve.TryContainer(_runtime, request.ContainerId);
        // Its last status, for the deleted event (only a CRI container has one to send).
        var before = match is null ? null : Resolve.IfFound(() => _runtime.ContainerStatus(match));
        var id = match ?? request.ContainerId;
        _runtime.RemoveContainer(id);
        if (before is not null)
        {
            _events.Publish(id, ContainerEventType.ContainerDeletedEvent, before);
        }
        return Task.FromResult(new RemoveContainerResponse());
    }
}
