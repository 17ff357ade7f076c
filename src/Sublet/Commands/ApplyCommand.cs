using System.CommandLine;
using Sublet.Kubernetes.Manifests;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;
using Sublet.Kubelet.Volumes;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet apply FILE</c>: stores the file's ConfigMap, Secret and Namespace objects, says what
/// changed as kubectl apply does (<c>configmap/app configured</c>), and publishes changed objects
/// again, atomically, into the running pods whose volumes show them (the kubelet's sync).
/// </summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "ConfigMap, Secret and Namespace objects (YAML, several documents allowed; - for stdin)" };
        var command = new Command("apply", "Store ConfigMap, Secret and Namespace objects and update the running pods that use them") { file };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var manifest = ManifestReader.ReadFile(parse.GetValue(file)!);
            if (manifest.Pods.Count > 0)
            {
                var names = string.Join(", ", manifest.Pods.Select(p => $"pod/{p.Metadata?.Name}"));
                throw new ManifestException($"{manifest.Source}: apply stores ConfigMap, Secret and Namespace objects; it does not run pods ({names}): use sublet play {manifest.Source}");
            }
            var applied = ObjectLookup.Store(manifest, ctx.Store);
            foreach (var line in applied)
            {
                Console.WriteLine(line);
            }
            Republish(ctx, applied);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Publishes changed ConfigMaps and Secrets into every running pod of their namespace whose
    /// configMap, secret or projected volumes use them. A volume that can't be published (a key it
    /// needs is gone) keeps its content, as with the kubelet, and is named on stderr.
    /// </summary>
    public static void Republish(RuntimeContext ctx, IReadOnlyList<AppliedObject> applied)
    {
        var changed = applied.Where(a => a.Outcome != PutOutcome.Unchanged && a.Kind is ObjectLookup.ConfigMapKind or ObjectLookup.SecretKind).ToList();
        if (changed.Count == 0)
        {
            return;
        }
        foreach (var pod in ctx.Store.Pods().Where(p => p.State == PodState.Running))
        {
            var mine = changed.Where(c => c.Namespace == pod.Namespace).ToList();
            if (mine.Count == 0)
            {
                continue;
            }
            var results = new ProjectedVolumes(ctx, Cli.Objects(ctx, file: null)).Republish(pod.Id, v => mine.Any(c => v.Projection!.Uses(c.Kind, c.Name)));
            foreach (var (volume, error) in results.Where(r => r.Error is not null))
            {
                Console.Error.WriteLine($"Warning: pod/{pod.Name} volume \"{volume}\" keeps its previous content: {error}");
            }
        }
    }
}
