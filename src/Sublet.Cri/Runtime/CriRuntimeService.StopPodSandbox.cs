using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Stops the sandbox's containers and pause process; a sandbox already gone is stopped (idempotent, as the proto asks).</summary>
    public override Task<StopPodSandboxResponse> StopPodSandbox(StopPodSandboxRequest request, ServerCallContext context)
    {
        _runtime.StopSandbox(Resolve.SandboxOrSelf(_runtime, request.PodSandboxId));
        return Task.FromResult(new StopPodSandboxResponse());
    }
}
