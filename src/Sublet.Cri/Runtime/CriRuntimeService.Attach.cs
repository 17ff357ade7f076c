using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Streaming;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Answers with a single-use URL that joins the container's main process through its conmon (<c>/attach/TOKEN</c>).</summary>
    public override Task<AttachResponse> Attach(Api.AttachRequest request, ServerCallContext context)
    {
        ValidateStdio(request.ContainerId, request.Stdin, request.Stdout, request.Stderr, request.Tty);
        var id = RunningContainer(request.ContainerId);
        var url = Streaming().UrlFor("attach", new Streaming.AttachRequest(id, request.Tty, request.Stdin, request.Stdout, request.Stderr))
            ?? throw TooManyRequests();
        return Task.FromResult(new AttachResponse { Url = url.ToString() });
    }
}
