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
    /// Starts a sandbox: userns_options checked first (InvalidArgument before anything is made),
    /// then the range recorded (refused if another pod holds any of it) and the pause process run.
    /// </summary>
    public override Task<RunPodSandboxResponse> RunPodSandbox(RunPodSandboxRequest request, ServerCallContext context)
    {
        if (request.RuntimeHandler.Length > 0)
        {
            throw RuntimeError.Invalid($"runtime handler \"{request.RuntimeHandler}\" is not known: Sublet has only the default handler \"\"");
        }
        try
        {
            var config = SandboxMapper.ToConfig(request.Config ?? throw RuntimeError.Invalid("RunPodSandbox: config is missing"));
            var entry = _runtime.RunSandbox(config);
            _metrics.PodStarted(userNamespace: config.UserNamespace is not null);
            return Task.FromResult(new RunPodSandboxResponse { PodSandboxId = entry.Id });
        }
        catch (RuntimeError e) when (e.Reason is { } reason)
        {
            _metrics.UsernsRefused(reason);
            throw;
        }
    }
}
