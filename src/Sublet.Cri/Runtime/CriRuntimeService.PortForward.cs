using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Cri.Streaming;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// Answers with a single-use URL (<c>/portforward/TOKEN</c>) whose connections reach ports on
    /// the sandbox's loopback from inside its network namespace. Over SPDY the ports come with
    /// each stream, as upstream's library takes them (the request's list is not a limit); over
    /// WebSocket the request's ports are the connection's channels.
    /// </summary>
    public override Task<PortForwardResponse> PortForward(Api.PortForwardRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.PodSandboxId))
        {
            throw RuntimeError.Invalid("missing required pod_sandbox_id");
        }
        var id = Resolve.Sandbox(_runtime, request.PodSandboxId);
        if (_runtime.SandboxStatus(id).State != SandboxState.Ready)
        {
            throw RuntimeError.Precondition($"sandbox {request.PodSandboxId} is not ready");
        }
        var url = Streaming().UrlFor("portforward", new Streaming.PortForwardRequest(id, [.. request.Port])) ?? throw TooManyRequests();
        return Task.FromResult(new PortForwardResponse { Url = url.ToString() });
    }
}
