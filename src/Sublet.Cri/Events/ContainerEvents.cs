using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sublet.Cri.Api;
using Sublet.Cri.Mapping;
using Sublet.Linux.Files;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Events;

/// <summary>
/// The stream behind GetContainerEvents (the kubelet's evented PLEG): created, started and deleted
/// events from the RPCs that cause them, stopped events from conmon's exit files as they appear
/// (inotify on the exit directory through <see cref="DirectoryWatch"/>, no polling). Each
/// subscriber has its own bounded queue; a subscriber that falls behind loses the oldest events
/// rather than holding the server's memory (the kubelet relists then).
/// </summary>
public sealed partial class ContainerEvents : IDisposable
{
    private const int QueueLength = 1024;
    private readonly ISandboxRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger<ContainerEvents> _logger;
    private readonly Lock _gate = new();
    private readonly List<Channel<ContainerEventResponse>> _subscribers = [];
    private DirectoryWatch? _exits;

    public ContainerEvents(ISandboxRuntime runtime, TimeProvider time, ILogger<ContainerEvents> logger)
    {
        _runtime = runtime;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts turning conmon's exit files in <paramref name="exitDir"/> into stopped events.</summary>
    public void WatchExits(string exitDir)
    {
        Directory.CreateDirectory(exitDir);
        File.SetUnixFileMode(exitDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // conmon writes <exit-dir>/<container id> when the container's process ends (conmon --exit-dir).
        _exits = new DirectoryWatch(exitDir);
        _exits.Changed += name => Publish(name ?? "", ContainerEventType.ContainerStoppedEvent);
    }

    /// <summary>A new subscriber's queue; dispose the registration to leave.</summary>
    public (ChannelReader<ContainerEventResponse> Reader, IDisposable Registration) Subscribe()
    {
        var channel = Channel.CreateBounded<ContainerEventResponse>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }
        return (channel.Reader, new Registration(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        }));
    }

    /// <summary>Sends an event about a CRI container to every subscriber, with its status and its sandbox's as they are now.</summary>
    public void Publish(string containerId, ContainerEventType type, ContainerView? removed = null)
    {
        List<Channel<ContainerEventResponse>> targets;
        lock (_gate)
        {
            if (_subscribers.Count == 0)
            {
                return;
            }
            targets = [.. _subscribers];
        }
        var response = Build(containerId, type, removed);
        if (response is null)
        {
            return;
        }
        foreach (var channel in targets)
        {
            channel.Writer.TryWrite(response);
        }
    }

    private ContainerEventResponse? Build(string containerId, ContainerEventType type, ContainerView? removed)
    {
        try
        {
            // This one container and its sandbox, by their keys: each event used to read every
            // container's and sandbox's status on the node (issue 23's density run).
            var view = removed ?? Resolve.IfFound(() => _runtime.ContainerStatus(containerId));
            var sandbox = view is null ? null : Resolve.IfFound(() => _runtime.SandboxStatus(view.Entry.SandboxId));
            if (view is null || (removed is null && sandbox?.Entry.Config.Owner != Owner.Cri))
            {
                return null; // not a CRI container (a play pod's, or one removed meanwhile)
            }
            var response = new ContainerEventResponse { ContainerId = containerId, ContainerEventType = type, CreatedAt = Timestamps.Nanos(_time.GetUtcNow()) };
            if (sandbox?.Entry.Config.Owner == Owner.Cri)
            {
                response.PodSandboxStatus = SandboxMapper.ToStatus(sandbox);
                response.ContainersStatuses.Add(_runtime.ContainersOf(sandbox.Entry.Id).Select(ContainerMapper.ToStatus));
            }
            if (removed is not null)
            {
                response.ContainersStatuses.Add(ContainerMapper.ToStatus(removed));
            }
            return response;
        }
        catch (Exception e) when (e is RuntimeError or IOException)
        {
            LogDropped(_logger, containerId, type, e.Message);
            return null;
        }
    }

    public void Dispose() => _exits?.Dispose();

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Event {Type} of container {Id} not sent: {Reason}")]
    private static partial void LogDropped(ILogger logger, string id, ContainerEventType type, string reason);

    private sealed class Registration(Action leave) : IDisposable
    {
        public void Dispose() => leave();
    }
}
