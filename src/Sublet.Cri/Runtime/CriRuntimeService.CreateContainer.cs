using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Creates a container in a sandbox; its userns options must be the sandbox's (containerd sameUsernsConfig).</summary>
    public override Task<CreateContainerResponse> CreateContainer(CreateContainerRequest request, ServerCallContext context)
    {
        var sandboxId = Resolve.Sandbox(_runtime, request.PodSandboxId);
        var sandbox = _runtime.SandboxStatus(sandboxId).Entry;
        Sublet.Runtime.Sandboxes.ContainerConfig config;
        try
        {
            config = ContainerMapper.ToConfig(request.Config ?? throw RuntimeError.Invalid("CreateContainer: config is missing"), sandbox.Config);
        }
        catch (RuntimeError e) when (e.Reason is { } reason)
        {
            _metrics.UsernsRefused(reason);
            throw;
        }
        var entry = _runtime.CreateContainer(sandboxId, config);
        _events.Publish(entry.Id, ContainerEventType.ContainerCreatedEvent);
        return Task.FromResult(new CreateContainerResponse { ContainerId = entry.Id });
    }
}
