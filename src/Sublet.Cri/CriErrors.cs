using Grpc.Core;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Linux;
using Sublet.Runtime;
using Sublet.Runtime.Oci;
using Sublet.Runtime.State;

namespace Sublet.Cri;

/// <summary>
/// The one place where Sublet's exceptions become gRPC statuses (aesthetics.md §9.3 rule 2:
/// handlers never throw <see cref="RpcException"/> themselves). Codes follow what the kubelet
/// acts on (grpc/codes, cri-api "error codes" conventions as containerd's errdefs maps them):
/// NotFound for missing objects, InvalidArgument for requests that can never succeed,
/// FailedPrecondition for ones that could after the node changes, Internal for the runtime's own
/// failures. Messages are the exceptions' own, minus any advice meant for the <c>sublet</c> CLI.
/// </summary>
public static class CriErrors
{
    public static Status ToStatus(Exception e, CancellationToken call = default) => e switch
    {
        RpcException rpc => rpc.Status,
        OperationCanceledException when call.IsCancellationRequested => new(StatusCode.Cancelled, "the call was cancelled"),
        OperationCanceledException or TimeoutException => new(StatusCode.DeadlineExceeded, e.Message),
        RuntimeError r => new(r.Kind switch
        {
            ErrorKind.NotFound => StatusCode.NotFound,
            ErrorKind.InvalidArgument => StatusCode.InvalidArgument,
            ErrorKind.AlreadyExists => StatusCode.AlreadyExists,
            ErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
            _ => StatusCode.Internal,
        }, e.Message),
        ImageNotFoundException missing => new(StatusCode.NotFound, $"image \"{missing.Reference}\" not found"),
        NotFoundException => new(StatusCode.NotFound, e.Message),
        ImageInUseException => new(StatusCode.FailedPrecondition, e.Message),
        InvalidImageReferenceException or IdMappingException or PlanException or ArgumentException => new(StatusCode.InvalidArgument, e.Message),
        StateConflictException => new(StatusCode.FailedPrecondition, e.Message),
        ImageException or RuntimeFailure or LinuxError or IOException or UnauthorizedAccessException => new(StatusCode.Internal, e.Message),
        NotImplementedException => new(StatusCode.Unimplemented, e.Message),
        _ => new(StatusCode.Unknown, $"{e.GetType().Name}: {e.Message}"),
    };
}
