using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Removes the sandbox with its containers, mounts and ID range; one already gone is removed (idempotent).</summary>
    public override Task<RemovePodSandboxResponse> RemovePodSandbox(RemovePodSandboxRequest request, ServerCallContext context)
    {
        _runtime.RemoveSandbox(Resolve.SandboxOrSelf(_runtime, request.PodSandboxId));
        return Task.FromResult(new RemovePodSandboxResponse());
    }
}
