using System.CommandLine;
using Sublet.Kubernetes.Manifests;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet down POD|FILE</c>: stop and remove pods, unmount, release their ID ranges.</summary>
internal static class DownCommand
{
    public static Command Create()
    {
        var target = new Argument<string[]>("pod-or-file") { Description = "Pod name (NAMESPACE/NAME), pod id, or the manifest the pods came from", Arity = ArgumentArity.OneOrMore };
        var grace = new Option<long?>("--grace-period") { Description = "Seconds to wait after SIGTERM before SIGKILL (default: the pod's terminationGracePeriodSeconds)" };
        var command = new Command("down", "Stop and remove pods") { target, grace };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var pods = new List<PodRecord>();
            foreach (var item in parse.GetValue(target)!)
            {
                if (File.Exists(item))
                {
                    var manifest = ManifestReader.ReadFile(item);
                    foreach (var pod in manifest.Pods)
                    {
                        var key = $"{pod.Metadata?.NamespaceProperty ?? "default"}/{pod.Metadata?.Name}";
                        pods.Add(ctx.Store.FindPod(key) ?? throw new NotFoundException($"pod \"{key}\" (from {item}) not found"));
                    }
                }
                else
                {
                    pods.Add(ctx.Store.FindPod(item) ?? throw new NotFoundException($"pod \"{item}\" not found"));
                }
            }
            foreach (var pod in pods)
            {
                var plan = new PodStatus(ctx).View(pod).Plan;
                var seconds = parse.GetValue(grace) ?? plan.TerminationGracePeriodSeconds;
                new PodRemover(ctx).Remove(pod, TimeSpan.FromSeconds(seconds));
                Console.WriteLine($"pod/{pod.Name} removed");
            }
            return 0;
        }));
        return command;
    }
}
