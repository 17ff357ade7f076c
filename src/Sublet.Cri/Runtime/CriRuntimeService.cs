using Microsoft.Extensions.Logging;
using Sublet.Cri.Api;
using Sublet.Cri.Events;
using Sublet.Cri.Mapping;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

/// <summary>
/// runtime.v1.RuntimeService: one file per implemented RPC (CriRuntimeService.&lt;Rpc&gt;.cs).
/// Sandbox and container RPCs map requests onto <see cref="ISandboxRuntime"/> and back. Every RPC of
/// the proto is implemented; CheckpointContainer answers Unimplemented with a message.
/// </summary>
public sealed partial class CriRuntimeService : RuntimeService.RuntimeServiceBase
{
    private readonly CriSettings _settings;
    private readonly NodeFeatures _features;
    private readonly ISandboxRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly StatsMapper _stats = new();
    private readonly ILogger<CriRuntimeService> _logger;

    private readonly ContainerEvents _events;
    private readonly Metrics.CriMetrics _metrics;

    public CriRuntimeService(CriSettings settings, NodeFeatures features, ISandboxRuntime runtime, ContainerEvents events, Metrics.CriMetrics metrics, TimeProvider time, ILogger<CriRuntimeService> logger)
    {
        _metrics = metrics;
        _events = events;
        _settings = settings;
        _features = features;
        _runtime = runtime;
        _time = time;
        _logger = logger;
    }
}
