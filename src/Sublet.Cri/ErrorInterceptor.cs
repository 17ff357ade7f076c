using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Sublet.Cri;

/// <summary>
/// Maps every exception a handler throws to its gRPC status (<see cref="CriErrors"/>) and logs
/// it once: expected refusals (NotFound, InvalidArgument, FailedPrecondition) at Information,
/// the runtime's own failures at Error with the stack.
/// </summary>
public sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        var status = CriErrors.ToStatus(e, context.CancellationToken);
        if (status.StatusCode is StatusCode.Internal or StatusCode.Unknown)
        {
            LogFailed(logger, e, context.Method, status.StatusCode, status.Detail);
        }
        else
        {
            LogRefused(logger, context.Method, status.StatusCode, status.Detail);
        }
        return new RpcException(status);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Method} refused: {Code}: {Detail}")]
    private static partial void LogRefused(ILogger logger, string method, StatusCode code, string detail);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "{Method} failed: {Code}: {Detail}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, StatusCode code, string detail);
}
