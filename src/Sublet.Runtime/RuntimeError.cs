namespace Sublet.Runtime;

/// <summary>What kind of failure a runtime operation had; the front ends map kinds, not exception types (gRPC codes in CriErrors, CLI lines in the CLI).</summary>
public enum ErrorKind
{
    /// <summary>No sandbox, container or image by that ID.</summary>
    NotFound,

    /// <summary>The request can never succeed as sent (bad mapping, bad mount, unknown field value).</summary>
    InvalidArgument,

    /// <summary>A sandbox or container with that name and attempt exists.</summary>
    AlreadyExists,

    /// <summary>Not possible in the current state (start of a running container, a range in use).</summary>
    FailedPrecondition,

    /// <summary>The node failed (runc, conmon, a mount): the runtime's own failure.</summary>
    Internal,
}

/// <summary>A failure of the sandbox and container operations, typed by kind; the message names what was wrong and carries no CLI advice.</summary>
public sealed class RuntimeError(ErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind { get; } = kind;

    /// <summary>A short machine-readable cause for metrics (e.g. <c>several_mappings</c>); null when none applies.</summary>
    public string? Reason { get; init; }

    /// <summary>With reason <c>range_in_use_on_host</c>: every range live user namespaces outside the store held when the sandbox was refused, and who holds it, so a caller choosing ranges can leave them all out at once.</summary>
    public IReadOnlyList<(Sublet.IdMapping.IdRange Range, string Holder)> HeldOnHost { get; init; } = [];

    public static RuntimeError NotFound(string what) => new(ErrorKind.NotFound, what);

    public static RuntimeError Invalid(string what) => new(ErrorKind.InvalidArgument, what);

    public static RuntimeError Precondition(string what) => new(ErrorKind.FailedPrecondition, what);
}
