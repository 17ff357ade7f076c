using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// The kubelet's notice of an in-place pod resize (cri-api v0.33 UpdatePodSandboxResources:
    /// overhead and the pod's new resources). The kubelet writes the pod cgroup itself before it
    /// calls (cgroup_parent is its pod cgroup, created and sized by its pod container manager), so
    /// the runtime only learns of it: containerd 2.x (internal/cri/server/sandbox_update_resources.go)
    /// looks the sandbox up, forwards the request to NRI plugins and answers OK. Sublet has no NRI, so
    /// it checks the sandbox exists (NotFound otherwise, as containerd's "failed to find sandbox")
    /// and answers OK; nothing on the node changes.
    /// </summary>
    public override Task<UpdatePodSandboxResourcesResponse> UpdatePodSandboxResources(UpdatePodSandboxResourcesRequest request, ServerCallContext context)
    {
        Resolve.Sandbox(_runtime, request.PodSandboxId);
        return Task.FromResult(new UpdatePodSandboxResourcesResponse());
    }
}
