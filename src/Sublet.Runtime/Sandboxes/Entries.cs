using Sublet.IdMapping;

namespace Sublet.Runtime.Sandboxes;

/// <summary>CRI PodSandboxState.</summary>
public enum SandboxState
{
    Ready,
    NotReady,
}

/// <summary>CRI ContainerState.</summary>
public enum CtrState
{
    Created,
    Running,
    Exited,
    Unknown,
}

/// <summary>A sandbox as recorded: its config, its pause process and its ID range. Written only under the sandbox's lock.</summary>
public sealed record SandboxEntry
{
    public required string Id { get; init; }
    public required SandboxConfig Config { get; init; }
    public SandboxState State { get; init; } = SandboxState.Ready;
    public DateTimeOffset Created { get; init; }
    public int? PausePid { get; init; }
    public ulong? PauseStartTime { get; init; }
    public string? BootId { get; init; }

    public IdRange? Ids => Config.UserNamespace;
}

/// <summary>A container as recorded. Its exit is not recorded: readers learn it from conmon's exit file (<see cref="ContainerView"/>).</summary>
public sealed record ContainerEntry
{
    public required string Id { get; init; }
    public required string SandboxId { get; init; }
    public required ContainerConfig Config { get; init; }

    /// <summary>The store's ID of the image (sha256:…) and the reference it was resolved from.</summary>
    public required string ImageId { get; init; }
    public required string ImageRef { get; init; }

    /// <summary>Where the log is, absolute.</summary>
    public required string LogPath { get; init; }
    public CtrState State { get; init; } = CtrState.Created;
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? Started { get; init; }
    public int? Pid { get; init; }

    /// <summary>Set when the runtime ends the container itself and knows why (a failed start).</summary>
    public string? Reason { get; init; }
    public string? Message { get; init; }
}

/// <summary>A container with what its files say now: state, exit code and times as CRI ContainerStatus reports them.</summary>
public sealed record ContainerView(ContainerEntry Entry, CtrState State, int? ExitCode, DateTimeOffset? Finished, string Reason, string Message)
{
    /// <summary>The identity the container's first process got (uid, gid, supplementary groups), from its OCI config; null before it has one.</summary>
    public Oci.ResolvedUser? User { get; init; }
}
