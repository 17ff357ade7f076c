using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sublet.Cri.Images;
using Sublet.Cri.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Hosting;

/// <summary>
/// <c>sublet serve</c>'s server: runtime.v1.RuntimeService and ImageService over HTTP/2 on a Unix
/// socket (Kestrel, HTTP/2 only: gRPC without TLS has no protocol negotiation), JSON logs on stderr.
/// </summary>
public static class CriHost
{
    /// <summary>The kubelet's and containerd's limit for one message (ListContainers on a full node is large).</summary>
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Builds the server; it binds <paramref name="socket"/>'s BindPath when started (<see cref="RunAsync"/>).</summary>
    /// <param name="metricsListen">Where to serve Prometheus metrics over plain HTTP/1.1 (GET /metrics); null = nowhere.</param>
    public static WebApplication Build(CriSettings settings, ServerSocket socket, IImageCatalog images, IUserNamespaceProbe probe, ISandboxRuntime runtime,
        LogLevel level = LogLevel.Information, System.Net.IPEndPoint? metricsListen = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(level);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning); // "Now listening on" names the private bind path
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout stays clean
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(socket.BindPath, listen => listen.Protocols = HttpProtocols.Http2);
            if (metricsListen is not null)
            {
                kestrel.Listen(metricsListen, listen => listen.Protocols = HttpProtocols.Http1);
            }
            // The kubelet keeps one connection for its lifetime and may leave it idle for long:
            // Kestrel's default keep-alive timeout (130 s) would close it under the kubelet. Not
            // Timeout.InfiniteTimeSpan: Kestrel's HTTP/2 idle timer takes it as -1 ms and sends
            // GOAWAY after one heartbeat (1 s) of idleness (seen here; ServeTests checks it).
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromDays(365);
            // Ping idle peers instead, so a dead one is noticed (RFC 9113 §6.7 PING).
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromMinutes(1);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            // Long-lived streams (GetContainerEvents) carry little data: no minimum rates.
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
        });
        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<Metrics.MetricsInterceptor>(); // outside: sees the status the client gets
            o.Interceptors.Add<ErrorInterceptor>();
            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.MaxSendMessageSize = MaxMessageBytes;
        });
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(images);
        builder.Services.AddSingleton(probe);
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NodeFeatures>();
        builder.Services.AddSingleton<Metrics.CriMetrics>();
        builder.Services.AddSingleton<Metrics.PrometheusText>();
        builder.Services.AddSingleton<Events.ContainerEvents>();
        builder.Services.AddSingleton<CriRuntimeService>();
        builder.Services.AddSingleton<CriImageService>();
        var app = builder.Build();
        app.MapGrpcService<CriRuntimeService>();
        app.MapGrpcService<CriImageService>();
        if (metricsListen is not null)
        {
            // Only on the TCP listener: the CRI socket serves gRPC alone.
            // A plain RequestDelegate: the Delegate overload binds parameters by reflection (not under Native AOT).
            app.MapGet("/metrics", (RequestDelegate)(async http =>
            {
                if (http.Connection.LocalIpAddress is null)
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await http.Response.WriteAsync(http.RequestServices.GetRequiredService<Metrics.PrometheusText>().Render(), http.RequestAborted).ConfigureAwait(false);
            }));
        }
        return app;
    }

    /// <summary>
    /// Starts listening, probes the node once (so the first Status is quick, the log says what was
    /// found, and no probe mount is left when clients come), publishes the socket, and serves until <paramref name="stop"/>; then
    /// stops gracefully. The caller disposes <paramref name="socket"/> (removing it) afterwards.
    /// </summary>
    public static async Task RunAsync(WebApplication app, ServerSocket socket, CancellationToken stop)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sublet.Cri.Serve");
        // The exporter listens before the first call, so no measurement is missed.
        app.Services.GetRequiredService<Metrics.PrometheusText>();
        await app.StartAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // Exits become events from now on; the kubelet relists what happened before it subscribed.
            app.Services.GetRequiredService<Events.ContainerEvents>().WatchExits(Path.Combine(app.Services.GetRequiredService<CriSettings>().RunRoot, "exits"));
            // Probe before the socket appears: the probe's scratch mounts are gone by the time any
            // client can call (a test, or the kubelet, counting mounts right after connecting saw them).
            var userns = app.Services.GetRequiredService<NodeFeatures>().UserNamespaces;
            socket.Publish();
            Log.Listening(log, socket.Path, CriSettings.RuntimeVersion);
            if (userns.Supported)
            {
                Log.UserNamespaces(log);
            }
            else
            {
                Log.NoUserNamespaces(log, string.Join("; ", userns.Problems));
            }
            await Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            Log.Stopping(log, socket.Path);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving CRI v1 on {Socket} (sublet {Version})")]
    public static partial void Listening(ILogger logger, string socket, string version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "User namespaces: supported (runtime handler features.user_namespaces = true)")]
    public static partial void UserNamespaces(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "User namespaces: not supported on this node, the kubelet will not ask for them: {Problems}")]
    public static partial void NoUserNamespaces(ILogger logger, string problems);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Stopping: removing {Socket}")]
    public static partial void Stopping(ILogger logger, string socket);
}
