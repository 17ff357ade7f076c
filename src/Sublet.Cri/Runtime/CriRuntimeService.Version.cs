using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The kubelet API version this runtime serves; every CRI v1 runtime answers "0.1.0" (cri-api VersionResponse.version).</summary>
    internal const string KubeletApiVersion = "0.1.0";

    public override Task<VersionResponse> Version(VersionRequest request, ServerCallContext context) =>
        Task.FromResult(new VersionResponse
        {
            Version = KubeletApiVersion,
            RuntimeName = "sublet",
            RuntimeVersion = CriSettings.RuntimeVersion,
            RuntimeApiVersion = "v1",
        });
}
