using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The container's CPU (cumulative, and the rate since the previous call), memory and writable layer.</summary>
    public override Task<ContainerStatsResponse> ContainerStats(ContainerStatsRequest request, ServerCallContext context) =>
        Task.FromResult(new ContainerStatsResponse { Stats = _stats.Container(_runtime.ContainerStats(Resolve.Container(_runtime, request.ContainerId))) });
}
