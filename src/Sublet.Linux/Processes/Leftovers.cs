namespace Sublet.Linux.Processes;

/// <summary>
/// Ends processes no OCI runtime answers for any more (a <c>runc:[2:INIT]</c> whose <c>runc
/// create</c> was killed, a process a pod left in its namespaces). The caller says how to find
/// them; whatever that finding names is SIGKILLed, again and again, until it names nothing.
/// </summary>
public static class Leftovers
{
    /// <summary>How long SIGKILLed leftovers may take to go: exit is prompt, unless a task sleeps uninterruptibly.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// SIGKILLs every PID <paramref name="members"/> lists until it lists none or
    /// <paramref name="wait"/> has passed; returns the PIDs still listed then. The listing is
    /// read afresh each round: a member may fork before the signal lands (signal(7): SIGKILL
    /// cannot be caught, but a child made in between is a new member).
    /// </summary>
    public static IReadOnlyList<int> Kill(Func<IReadOnlyList<int>> members, TimeSpan wait)
    {
        var deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (true)
        {
            var pids = members();
            if (pids.Count == 0 || Environment.TickCount64 > deadline)
            {
                return pids;
            }
            foreach (var pid in pids)
            {
                Posix.Kill(pid, Posix.SIGKILL);
            }
            Thread.Sleep(10);
        }
    }
}
