using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Sublet.Cri.Metrics;

/// <summary>
/// Times every CRI call and counts it with its outcome. Registered before <see cref="ErrorInterceptor"/>,
/// so it sees the gRPC status the client gets. The method label is the RPC's name (RunPodSandbox, …).
/// </summary>
public sealed class MetricsInterceptor(CriMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var watch = Stopwatch.StartNew();
        var code = "OK";
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            code = e.StatusCode.ToString();
            throw;
        }
        catch (Exception)
        {
            code = StatusCode.Unknown.ToString();
            throw;
        }
        finally
        {
            metrics.Call(Method(context.Method), code, watch.Elapsed);
        }
    }

    /// <summary>"/runtime.v1.RuntimeService/RunPodSandbox" → "RunPodSandbox".</summary>
    internal static string Method(string path) => path[(path.LastIndexOf('/') + 1)..];
}
