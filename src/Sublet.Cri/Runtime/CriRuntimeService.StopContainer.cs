using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The stop signal, SIGKILL after <c>timeout</c> seconds (0: at once); a container already stopped or gone is fine.</summary>
    public override Task<StopContainerResponse> StopContainer(StopContainerRequest request, ServerCallContext context)
    {
        _runtime.StopContainer(Resolve.ContainerOrSelf(_runtime, request.ContainerId), TimeSpan.FromSeconds(Math.Max(0, request.Timeout)));
        return Task.FromResult(new StopContainerResponse());
    }
}
