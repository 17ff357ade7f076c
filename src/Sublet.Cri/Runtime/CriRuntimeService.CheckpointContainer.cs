using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Checkpoint/restore (KEP-2008, CRIU) is not offered: said plainly, as the proto allows an Unimplemented answer.</summary>
    public override Task<CheckpointContainerResponse> CheckpointContainer(CheckpointContainerRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented,
            $"checkpoint of container {request.ContainerId}: Sublet does not checkpoint containers (no CRIU support)"));
}
