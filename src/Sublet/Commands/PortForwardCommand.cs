using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sublet.Runtime;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet port-forward POD [LOCAL:]REMOTE…</c>: listens on 127.0.0.1:LOCAL (0 or empty: a
/// port the system picks) and forwards each connection to REMOTE on the pod's loopback, the
/// connection made from inside the pod's network namespace as CRI PortForward does
/// (<see cref="PlayStreams"/>). Runs until Ctrl-C. Loopback only: forwarding opens no port to
/// other machines.
/// </summary>
internal static class PortForwardCommand
{
    public static Command Create()
    {
        var pod = new Argument<string>("pod") { Description = "Pod name (NAMESPACE/NAME) or id" };
        var ports = new Argument<string[]>("ports") { Arity = ArgumentArity.OneOrMore, Description = "LOCAL:REMOTE, or PORT for the same on both sides" };
        var command = new Command("port-forward", "Forward local ports to a pod") { pod, ports };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var mappings = parse.GetValue(ports)!.Select(Parse).ToList();
            var record = ctx.Store.FindPod(parse.GetValue(pod)!) ?? throw new NotFoundException($"pod \"{parse.GetValue(pod)}\" not found");
            if (record.State != PodState.Running)
            {
                throw new RuntimeFailure($"pod \"{record.Name}\" is not running ({record.State}): cannot forward to it");
            }
            var streams = new PlayStreams(ctx);
            using var stop = new StopSignal();
            var listeners = new List<TcpListener>();
            try
            {
                foreach (var (local, remote) in mappings)
                {
                    var listener = new TcpListener(IPAddress.Loopback, local);
                    listeners.Add(listener);
                    listener.Start();
                    // kubectl's words, which scripts wait for.
                    Console.Out.WriteLine($"Forwarding from 127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port} -> {remote}");
                }
                Console.Out.Flush();
                Task.WhenAll(listeners.Zip(mappings, (l, m) => Serve(l, m.Remote, streams, record, stop.Token))).GetAwaiter().GetResult();
            }
            finally
            {
                listeners.ForEach(l => l.Dispose());
            }
            return 0;
        }));
        return command;
    }

    /// <summary><c>LOCAL:REMOTE</c>, <c>:REMOTE</c> (any local port) or <c>PORT</c>.</summary>
    private static (int Local, int Remote) Parse(string text)
    {
        var parts = text.Split(':');
        static int? Port(string s, bool zero) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535 && (p > 0 || zero) ? p : null;
        return parts switch
        {
            [var both] when Port(both, false) is { } p => (p, p),
            [var local, var remote] when Port(remote, false) is { } r && (local.Length == 0 ? 0 : Port(local, true)) is { } l => (l, r),
            _ => throw new RuntimeFailure($"port-forward: \"{text}\" is not LOCAL:REMOTE or PORT (ports 1-65535, LOCAL 0 = any)"),
        };
    }

    private static async Task Serve(TcpListener listener, int remote, PlayStreams streams, PodRecord pod, CancellationToken stop)
    {
        var local = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connections = new List<Task>();
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            Console.Out.WriteLine($"Handling connection for {local}");
            connections.Add(Forward(client, remote, streams, pod, stop));
        }
        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private static async Task Forward(Socket client, int remote, PlayStreams streams, PodRecord pod, CancellationToken stop)
    {
        using (client)
        {
            Socket target;
            try
            {
                target = await streams.Connect(pod, remote, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RuntimeError or RuntimeFailure or SocketException or IOException or Linux.LinuxError)
            {
                Console.Error.WriteLine($"Error: forwarding to port {remote} of pod {pod.Namespace}/{pod.Name}: {e.Message}");
                return;
            }
            using (target)
            using (stop.Register(() => { client.Dispose(); target.Dispose(); }))
            {
                await Task.WhenAll(Pump(client, target), Pump(target, client)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Copies until <paramref name="from"/> ends, then passes the end on (shutdown of the sending side).</summary>
    private static async Task Pump(Socket from, Socket to)
    {
        try
        {
            await using var source = new NetworkStream(from, ownsSocket: false);
            await using var sink = new NetworkStream(to, ownsSocket: false);
            await source.CopyToAsync(sink).ConfigureAwait(false);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // One side went away.
        }
    }
}
