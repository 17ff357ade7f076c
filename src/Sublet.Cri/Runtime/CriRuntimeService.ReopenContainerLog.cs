using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Has conmon reopen the container's log after the kubelet rotated it.</summary>
    public override Task<ReopenContainerLogResponse> ReopenContainerLog(ReopenContainerLogRequest request, ServerCallContext context)
    {
        _runtime.ReopenLog(Resolve.Container(_runtime, request.ContainerId));
        return Task.FromResult(new ReopenContainerLogResponse());
    }
}
