using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Cri.Streaming;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    private readonly Lock _streamingStart = new();
    private StreamingServer? _streaming;

    /// <summary>
    /// Validates the request as the kubelet's streaming library does (cri/streaming server.go
    /// GetExec), checks the container runs, and answers with a single-use URL of the streaming
    /// server: <c>http://127.0.0.1:PORT/exec/TOKEN</c>.
    /// </summary>
    public override Task<ExecResponse> Exec(Api.ExecRequest request, ServerCallContext context)
    {
        ValidateStdio(request.ContainerId, request.Stdin, request.Stdout, request.Stderr, request.Tty);
        if (request.Cmd.Count == 0)
        {
            throw RuntimeError.Invalid("exec: the command is empty");
        }
        var id = RunningContainer(request.ContainerId);
        var url = Streaming().UrlFor("exec", new Streaming.ExecRequest(id, [.. request.Cmd], request.Tty, request.Stdin, request.Stdout, request.Stderr))
            ?? throw TooManyRequests();
        return Task.FromResult(new ExecResponse { Url = url.ToString() });
    }

    private static void ValidateStdio(string containerId, bool stdin, bool stdout, bool stderr, bool tty)
    {
        if (string.IsNullOrEmpty(containerId))
        {
            throw RuntimeError.Invalid("missing required container_id");
        }
        if (tty && stderr)
        {
            throw RuntimeError.Invalid("tty and stderr cannot both be true");
        }
        if (!stdin && !stdout && !stderr)
        {
            throw RuntimeError.Invalid("one of stdin, stdout, or stderr must be set");
        }
    }

    /// <summary>The full ID of a running container (containerd answers FailedPrecondition for one that does not run).</summary>
    private string RunningContainer(string requested)
    {
        var id = Resolve.Container(_runtime, requested);
        var state = _runtime.ContainerStatus(id).State;
        return state == CtrState.Running ? id
            : throw RuntimeError.Precondition($"container {requested} is in {state.ToString().ToUpperInvariant()} state, not RUNNING");
    }

    private static RpcException TooManyRequests() =>
        new(new Status(StatusCode.ResourceExhausted, $"maximum number of in-flight streaming requests ({RequestCache.MaxInFlight}) exceeded"));

    /// <summary>
    /// The streaming server, started on first use and kept for the process's lifetime (it holds
    /// only a listening socket until a client connects).
    /// </summary>
    internal StreamingServer Streaming()
    {
        lock (_streamingStart)
        {
            return _streaming ??= StreamingServer.Start(_settings.StreamingAddress, _settings.StreamingPort, _runtime, _time, _logger);
        }
    }
}
