using Microsoft.Extensions.Logging;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

/// <summary>
/// runtime.v1.RuntimeService: one file per implemented RPC (CriRuntimeService.&lt;Rpc&gt;.cs).
/// The RPCs not implemented yet (sandboxes, containers, stats, events) fall through to the
/// generated base, which answers gRPC Unimplemented.
/// </summary>
public sealed partial class CriRuntimeService : RuntimeService.RuntimeServiceBase
{
    private readonly CriSettings _settings;
    private readonly NodeFeatures _features;
    private readonly ILogger<CriRuntimeService> _logger;

    public CriRuntimeService(CriSettings settings, NodeFeatures features, ILogger<CriRuntimeService> logger)
    {
        _settings = settings;
        _features = features;
        _logger = logger;
    }
}
