using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Streams container events until the client goes away (the kubelet keeps one such stream open).</summary>
    public override async Task GetContainerEvents(GetEventsRequest request, IServerStreamWriter<ContainerEventResponse> responseStream, ServerCallContext context)
    {
        var (reader, registration) = _events.Subscribe();
        using (registration)
        {
            try
            {
                // Headers go out once subscribed: a client that waits for them misses no event after that.
                await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
                await foreach (var e in reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
                {
                    await responseStream.WriteAsync(e, context.CancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                // the client left
            }
        }
    }
}
