using Sublet.Linux.Interop;

namespace Sublet.Linux.Processes;

/// <summary>
/// conmon runs its --exit-command with the signal mask it uses for its own signalfd (SIGCHLD
/// and SIGUSR1 blocked), and a mask survives fork and execve (signal(7)). A <c>sublet</c> started
/// that way would pass SIGCHLD blocked on to the conmon it starts, whose child watch then never
/// sees <c>runc create</c> end. So the calling thread, which is the one that starts children,
/// clears its mask first; .NET's SIGCHLD handling works as long as one thread accepts the signal.
/// </summary>
public static class SignalMask
{
    public static unsafe void UnblockAll()
    {
        var empty = stackalloc byte[Libc.SigsetBytes];
        new Span<byte>(empty, Libc.SigsetBytes).Clear();
        _ = Libc.PthreadSigmask(Libc.SIG_SETMASK, empty, null);
    }
}
