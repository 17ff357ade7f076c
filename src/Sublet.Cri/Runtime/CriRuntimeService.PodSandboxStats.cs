using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The pod cgroup's CPU and memory with each container's stats.</summary>
    public override Task<PodSandboxStatsResponse> PodSandboxStats(PodSandboxStatsRequest request, ServerCallContext context) =>
        Task.FromResult(new PodSandboxStatsResponse { Stats = _stats.Sandbox(_runtime.SandboxStats(Resolve.Sandbox(_runtime, request.PodSandboxId))) });
}
