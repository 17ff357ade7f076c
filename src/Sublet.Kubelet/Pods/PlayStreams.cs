using System.Net.Sockets;
using Sublet.Runtime;
using Sublet.Runtime.Network;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Attach and port forwarding for <c>play</c> pods (<c>sublet attach</c>, <c>sublet
/// port-forward</c>) through the code CRI Attach and PortForward use: the container's conmon
/// attach socket (<see cref="RuntimeCore.Attach"/>) and connections made inside the pod's network
/// namespace (<see cref="PodLoopback"/>).
/// </summary>
public sealed class PlayStreams(RuntimeContext ctx)
{
    /// <summary>Joins a running container's main process: its output, and its stdin when the manifest gave it <c>stdin: true</c> (the core keeps that in the container's config).</summary>
    public IStdioSession Attach(ContainerRecord container)
    {
        try
        {
            return new RuntimeCore(ctx).Attach(container.Id);
        }
        catch (RuntimeError e)
        {
            throw new RuntimeFailure(e.Message);
        }
    }

    /// <summary>Whether the container was created with a terminal (<c>tty: true</c>).</summary>
    public static bool HasTerminal(PodRecord pod, ContainerRecord container) =>
        PodSyncer.PlanOf(pod).Containers.FirstOrDefault(c => c.Name == container.Name)?.Tty == true;

    /// <summary>A connection to <paramref name="port"/> on the pod's loopback, from inside its network namespace.</summary>
    public Task<Socket> Connect(PodRecord pod, int port, CancellationToken cancel) =>
        pod.PausePid is { } pause
            ? PodLoopback.ConnectAsync(ctx.Proc.NamespacePath(pause, "net"), port, $"pod {pod.Namespace}/{pod.Name}", cancel)
            : throw new RuntimeFailure($"pod {pod.Namespace}/{pod.Name} is not running");
}
