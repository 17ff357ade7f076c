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
        _runtime.RemoveContainer(Resolve.ContainerOrSelf(_runtime, request.ContainerId));
        return Task.FromResult(new RemoveContainerResponse());
    }
}
