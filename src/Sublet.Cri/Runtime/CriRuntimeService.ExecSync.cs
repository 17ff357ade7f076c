using Google.Protobuf;
using Grpc.Core;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Runs a command in a running container and returns its output and exit code; <c>timeout</c> seconds (0 = none) ends it with DeadlineExceeded.</summary>
    public override Task<ExecSyncResponse> ExecSync(ExecSyncRequest request, ServerCallContext context)
    {
        var result = _runtime.ExecSync(Resolve.Container(_runtime, request.ContainerId), [.. request.Cmd], TimeSpan.FromSeconds(Math.Max(0, request.Timeout)));
        return Task.FromResult(new ExecSyncResponse
        {
            ExitCode = result.ExitCode,
            Stdout = ByteString.CopyFromUtf8(result.Stdout),
            Stderr = ByteString.CopyFromUtf8(result.Stderr),
        });
    }
}
