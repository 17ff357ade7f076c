namespace Sublet.Runtime.Selftest;

/// <summary>What a probe shows when user namespaces work: the attack is blocked, or (for a capability pods keep) it works.</summary>
public enum Expect
{
    Blocked,
    Works,
}

/// <summary>The host files a probe pod gets: a root-owned directory with a root-owned file, the host's /etc/shadow read-only, the host's <c>id</c> program read-only, or the host's unshare with its loader and libc.</summary>
public enum ProbeMount
{
    None,
    RootOwnedDir,
    Shadow,
    HostId,
    HostUnshare,
}

/// <summary>Who runs a probe's script.</summary>
public enum Attacker
{
    /// <summary>The pod's root in a new probe container (default capabilities unless the probe is privileged).</summary>
    Container,

    /// <summary>
    /// A process that escaped the pod: in the pod's user namespace (when it has one) with every
    /// capability there, as a privileged container's process has them, but on the host's
    /// filesystem and in the host's PID, UTS and network namespaces (nsenter --user through the
    /// pause process). Without a user namespace that is host root. Host binaries, no container.
    /// </summary>
    Escaped,

    /// <summary>runc exec into a running probe container, once per working directory (exec --cwd).</summary>
    Exec,

    /// <summary>The pod's root plants a set-ID program (the script, in a container); then a host user runs it by its host path.</summary>
    HostRunsPlanted,
}

/// <summary>Where a planted set-ID file is run from on the host side.</summary>
public enum Planted
{
    /// <summary>The container's writable layer (overlay upper) under the pod's state directory.</summary>
    Layer,

    /// <summary>The container's rootfs overlay under the pod's run directory.</summary>
    Rootfs,

    /// <summary>A disk emptyDir under the pod's state directory, where the kubelet part of Sublet makes them.</summary>
    EmptyDir,
}

/// <summary>How a run's exit code and output say whether the attack worked.</summary>
public enum Outcome
{
    /// <summary>Exit 0.</summary>
    ExitZero,

    /// <summary>The kernel got past the capability check: it refused the file itself (ENOEXEC, a rejected key), not the caller (EPERM) or the call (ENOSYS).</summary>
    PastCapabilityCheck,

    /// <summary>The program ran with host root's effective user or group (<c>id</c> shows euid=0 or egid=0).</summary>
    GotHostRoot,
}

/// <summary>One attack (or capability) tried from a pod as its root; exit 0 = it worked unless <see cref="Outcome"/> says otherwise.</summary>
/// <param name="UnmaskedProc">Run with procMount Unmasked, as a pod that runs nested containers must (the kernel refuses a new /proc over a masked one).</param>
/// <param name="Privileged">Run as a privileged container (all capabilities, every device).</param>
/// <param name="WorkingDirs">Try once per working directory; the probe worked if any attempt did.</param>
/// <param name="By">Who runs the script.</param>
/// <param name="PlantedIn">For <see cref="Attacker.HostRunsPlanted"/>: the host path the planted file is run from.</param>
public sealed record Probe(string Name, string What, string Script, ProbeMount Mount, Expect WithUserNamespace, bool UnmaskedProc = false,
    bool Privileged = false, IReadOnlyList<string>? WorkingDirs = null, Attacker By = Attacker.Container, Planted? PlantedIn = null,
    Outcome Outcome = Outcome.ExitZero);

/// <summary>How a probe went with and without a user namespace, and what that means.</summary>
public sealed record ProbeResult(string Probe, string What, bool WorkedWithUserns, bool WorkedWithoutUserns, string Verdict, bool Escaped);
