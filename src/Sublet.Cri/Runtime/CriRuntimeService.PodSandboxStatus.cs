using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// The sandbox's state and namespaces (userns_options as applied); verbose adds info["info"] as
    /// JSON, as crictl inspectp shows, with the live ID audit of the sandbox (issue 24 item 2: what
    /// <c>sublet ids --verify</c> finds, for a kubelet's or an operator's eyes through CRI).
    /// </summary>
    public override Task<PodSandboxStatusResponse> PodSandboxStatus(PodSandboxStatusRequest request, ServerCallContext context)
    {
        var view = _runtime.SandboxStatus(Resolve.Sandbox(_runtime, request.PodSandboxId));
        var response = new PodSandboxStatusResponse { Status = SandboxMapper.ToStatus(view), Timestamp = Timestamps.Nanos(_time.GetUtcNow()) };
        if (request.Verbose)
        {
            response.Info.Add("info", VerboseInfo.Sandbox(view, _runtime.AuditSandbox(view.Entry.Id)));
        }
        return Task.FromResult(response);
    }
}
