using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>State, exit code and reason (Completed, Error, OOMKilled, StartError), times, log path, mounts; verbose adds info["info"].</summary>
    public override Task<ContainerStatusResponse> ContainerStatus(ContainerStatusRequest request, ServerCallContext context)
    {
        var view = _runtime.ContainerStatus(Resolve.Container(_runtime, request.ContainerId));
        var response = new ContainerStatusResponse { Status = ContainerMapper.ToStatus(view) };
        if (request.Verbose)
        {
            response.Info.Add("info", VerboseInfo.Container(view, _settings.RunRoot));
        }
        return Task.FromResult(response);
    }
}
