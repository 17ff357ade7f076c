using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// The kubelet sends the node's pod CIDR here (RuntimeConfig.network_config.pod_cidr). Pod
    /// networking (CNI) will use it; until then it is accepted and logged, never an error, since
    /// the kubelet retries a failing call on every node sync.
    /// </summary>
    public override Task<UpdateRuntimeConfigResponse> UpdateRuntimeConfig(UpdateRuntimeConfigRequest request, ServerCallContext context)
    {
        var cidr = request.RuntimeConfig?.NetworkConfig?.PodCidr ?? "";
        LogPodCidr(_logger, cidr.Length == 0 ? "(none)" : cidr);
        return Task.FromResult(new UpdateRuntimeConfigResponse());
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Pod CIDR from the kubelet: {PodCidr}")]
    private static partial void LogPodCidr(ILogger logger, string podCidr);
}
