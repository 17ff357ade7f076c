using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// The cgroup driver the kubelet must use (KEP-4033; the kubelet reads it once at start).
    /// SYSTEMD is the enum's zero value, so CGROUPFS is set explicitly: Sublet manages cgroupfs
    /// paths itself and these nodes have no systemd (wave2.md §1.2).
    /// </summary>
    public override Task<RuntimeConfigResponse> RuntimeConfig(RuntimeConfigRequest request, ServerCallContext context) =>
        Task.FromResult(new RuntimeConfigResponse
        {
            Linux = new LinuxRuntimeConfiguration { CgroupDriver = CgroupDriver.Cgroupfs },
        });
}
