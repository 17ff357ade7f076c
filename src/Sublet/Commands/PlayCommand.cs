using System.CommandLine;
using System.Runtime.InteropServices;
using Sublet.IdMapping;
using Sublet.Kubernetes;
using Sublet.Kubernetes.Admission;
using Sublet.Kubernetes.Env;
using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.Config;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet play FILE</c>: runs the pods of a manifest (podman kube play semantics).</summary>
internal static class PlayCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Pod manifest (YAML, several documents allowed; - for stdin)" };
        var wait = new Option<bool>("--wait") { Description = "Stay in the foreground, stream the logs, tear the pods down when they end or on Ctrl-C, and exit with the first non-zero exit code" };
        var command = new Command("play", "Run the pods of a Kubernetes manifest") { file, wait };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            // Every pod is checked before anything starts (ground rule 4).
            var manifest = ManifestReader.ReadFile(parse.GetValue(file)!);
            var security = SecuritySettings.From(ctx.Config);
            var sources = new EnvSources(new ObjectLookup(manifest, ctx.Store), NodeFacts.ForThisHost(ctx.Config.StateRoot, security.MemoryCapacity));
            Admit(manifest, ctx.Config, sources);
            var plans = manifest.Pods.Select(p => PodTranslator.Translate(p, manifest.Source, security, sources)).ToList();
            if (plans.Count == 0)
            {
                throw new ManifestException($"{manifest.Source}: no Pod in the file");
            }
            var allocator = plans.Any(p => !p.HostUsers) ? Cli.Allocator(ctx.Config) : null;
            var waits = parse.GetValue(wait);
            if (waits)
            {
                // This process stays and syncs the pods itself (PodSupervisor): conmon's exit
                // command would put a second sublet start-up on every exit's path. Should this
                // process be killed (SIGKILL: Ctrl-C and SIGTERM stop the pods), its pods run on
                // without restarts until `sublet down`, as the README says.
                ctx.ExitHook = null;
            }
            // The file's objects are kept as `kubectl apply -f` would, so a later `apply` updates them.
            // Volumes then read the store, which holds the file's objects: an `apply` racing this
            // start can only make them newer, never older than the running pods'.
            ApplyCommand.Republish(ctx, ObjectLookup.Store(manifest, ctx.Store));
            var objects = Cli.Objects(ctx, file: null, sources.Node);

            using var stop = new StopSignal();
            var started = new List<PodRecord>();
            try
            {
                foreach (var plan in plans)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var pod = new PodStarter(ctx, objects).Start(plan, inUse => allocator!.Allocate(inUse));
                    started.Add(pod);
                    Console.Error.WriteLine(Describe(pod));
                }
            }
            catch
            {
                // All or nothing: pods this command already started go too.
                foreach (var pod in started)
                {
                    new PodRemover(ctx).Remove(pod, TimeSpan.Zero);
                }
                throw;
            }
            if (!waits)
            {
                LogRotation.Ensure(parse, ctx);
                return 0;
            }
            // The rotator is a process of its own, started as the pod starts on a 2-core node: for
            // `play --wait` only once the pods outlive one monitor interval (its first look would
            // find nothing to rotate anyway), so a short run never pays for it (issue 23's trace).
            var waiter = new PodWaiter(ctx)
            {
                Later = (Sublet.Runtime.Logs.LogPolicy.From(ctx.Config).MonitorInterval, () => LogRotation.Ensure(parse, ctx)),
                Supervisor = () => RuntimeContext.Create(ctx.Config, exitHook: null),
            };
            try
            {
                return waiter.Wait(started, stop.Token);
            }
            finally
            {
                foreach (var pod in started)
                {
                    if (ctx.Store.FindPod(pod.Id) is { } current)
                    {
                        var plan = new PodStatus(ctx).View(current).Plan;
                        new PodRemover(ctx).Remove(current, TimeSpan.FromSeconds(plan.TerminationGracePeriodSeconds), waiter.Drain);
                    }
                }
            }
        }));
        return command;
    }

    /// <summary>
    /// The checks of <c>sublet check</c>: Pod Security warnings and writable hostPaths idmapped to
    /// host IDs (<see cref="HostPathWarnings"/>) on stderr as kubectl prints warnings, audit lines
    /// to the configured log, and every refusal as the error (nothing starts).
    /// </summary>
    private static void Admit(Manifest manifest, NodeConfig config, EnvSources sources)
    {
        var verdicts = ManifestChecker.Check(manifest, config, Environment.UserName, sources);
        foreach (var verdict in verdicts)
        {
            if (verdict.Admission?.Warning is { } warning) Console.Error.WriteLine(warning);
            foreach (var hostPath in HostPathWarnings.For(verdict.Pod, config.UserNamespaces.HostPathIdmap))
            {
                Console.Error.WriteLine($"Warning: pod/{verdict.Pod.Metadata?.Name}: {hostPath}");
            }
            if (verdict.Admission is { } admission && config.PodSecurity.AuditLog is { Length: > 0 } log) AuditLog.Append(log, admission, DateTimeOffset.UtcNow);
        }
        var refusals = verdicts.Where(v => v.Refused).Select(v => v.Refusal!).ToList();
        if (refusals.Count > 0)
        {
            throw new ManifestException(string.Join("\n", refusals));
        }
    }

    private static string Describe(PodRecord pod) => pod.Ids is { } ids
        ? $"pod/{pod.Name} started: user namespace, host IDs {ids.Start}-{ids.End - 1} (uid_map \"0 {ids.Start} {ids.Length}\")"
        : $"pod/{pod.Name} started: host user namespace";
}

/// <summary>Ctrl-C and SIGTERM end a <c>--wait</c> cleanly instead of killing the process mid-teardown.</summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _int;
    private readonly PosixSignalRegistration _term;

    public StopSignal()
    {
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _cts.Dispose();
    }
}
