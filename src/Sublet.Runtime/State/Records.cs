using Sublet.IdMapping;

namespace Sublet.Runtime.State;

public enum PodState
{
    /// <summary>Recorded, range allocated; sandbox or containers still being set up.</summary>
    Creating,
    Running,
    /// <summary>Every container ended with 0 and none is to be restarted (Kubernetes phase Succeeded).</summary>
    Succeeded,
    /// <summary>Nothing will run any more and something failed (phase Failed); <see cref="PodRecord.Reason"/> says what.</summary>
    Failed,
}

public enum ContainerState
{
    Created,
    Running,
    Exited,
    /// <summary>Ended, to be started again at <see cref="ContainerRecord.NextStart"/> (CrashLoopBackOff).</summary>
    Waiting,
}

public sealed record PodRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string Uid { get; init; }
    public required string PlanJson { get; init; }
    public PodState State { get; init; }
    public DateTimeOffset Created { get; init; }
    public IdRange? Ids { get; init; }
    public int? PausePid { get; init; }
    public ulong? PauseStartTime { get; init; }
    public string? BootId { get; init; }
    public string? Reason { get; init; }
}

public sealed record ContainerRecord
{
    public required string Id { get; init; }
    public required string PodId { get; init; }
    public required string Name { get; init; }
    public required string Image { get; init; }
    public string? ImageId { get; init; }
    public ContainerState State { get; init; }
    public int? Pid { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public int? ExitCode { get; init; }
    public string? Reason { get; init; }
    public int RestartCount { get; init; }

    /// <summary>When a container waiting in back-off starts again.</summary>
    public DateTimeOffset? NextStart { get; init; }

    /// <summary>How the previous run ended (the kubelet's lastState.terminated).</summary>
    public int? LastExitCode { get; init; }
    public DateTimeOffset? LastFinished { get; init; }
    public string? LastReason { get; init; }

    /// <summary>The termination message of this run once it has exited (state.terminated.message), and of the previous run.</summary>
    public string? Message { get; init; }
    public string? LastMessage { get; init; }
}

/// <summary>One row of the ID allocation table.</summary>
public sealed record Allocation(string PodId, string PodName, string PodNamespace, IdRange Range, DateTimeOffset Created);
