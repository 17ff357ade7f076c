using System.CommandLine;
using Sublet.Linux.Files;
using Sublet.Runtime.Logs;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Cli.Commands;

/// <summary>
/// The rotation loop for <c>play</c> pods: one detached <c>sublet internal rotate-logs</c> per run
/// root, holding <c>log-rotator.lock</c> while any pod is starting or running, checking every
/// containerLogMonitorInterval (what the kubelet's container log manager does for its pods).
/// </summary>
internal static class LogRotation
{
    public static Command Create()
    {
        var command = new Command("rotate-logs", "Rotate the logs of running pods until none is left (started by play)");
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var interval = LogPolicy.From(ctx.Config).MonitorInterval;
            var sweep = new LogSweep(ctx);
            while (true)
            {
                using (var held = FileOps.TryLockFile(LockPath(ctx), TimeSpan.Zero))
                {
                    if (held is null)
                    {
                        return 0; // another rotator has this run root
                    }
                    while (sweep.Run() > 0)
                    {
                        Thread.Sleep(interval);
                    }
                }
                // A play that started a pod while we held the lock left its checks to us: look once
                // more now that the lock is free, and carry on if it did.
                if (sweep.Run() == 0)
                {
                    return 0;
                }
            }
        }));
        return command;
    }

    /// <summary>Starts the rotator unless one holds the lock (called once a pod is running, so a rotator about to stop sees it).</summary>
    public static void Ensure(ParseResult parse, RuntimeContext ctx)
    {
        Directory.CreateDirectory(ctx.Config.RunRoot);
        using (var probe = FileOps.TryLockFile(LockPath(ctx), TimeSpan.Zero))
        {
            if (probe is null)
            {
                return;
            }
        }
        Detached.Start(Cli.Self(parse, "internal", "rotate-logs"));
    }

    private static string LockPath(RuntimeContext ctx) => Path.Combine(ctx.Config.RunRoot, "log-rotator.lock");
}
