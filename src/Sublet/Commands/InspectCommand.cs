using System.CommandLine;
using System.Text.Json;
using Sublet.Cli.Output;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Rootfs;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet inspect POD</c>: everything recorded about a pod, with its plan.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var pod = new Argument<string>("pod") { Description = "Pod name (NAMESPACE/NAME) or id" };
        var output = Cli.OutputOption("yaml", "json");
        var command = new Command("inspect", "Show a pod in detail") { pod, output };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            string json;
            if (ctx.Store.FindPod(parse.GetValue(pod)!) is { } record)
            {
                var view = new PodStatus(ctx).View(record);
                json = Table.ToJson(new InspectPlayJson(PodInfo.From(view, new PodNetworking(ctx).Ips(view.Pod.Id)), Annotation(ctx, view, RootfsChoice.Annotation), HostAdjustments(ctx, view), view.Plan));
            }
            else
            {
                // A CRI pod: what the client asked for (its sandbox and container configs) instead of a manifest.
                var core = new Sublet.Runtime.Sandboxes.RuntimeCore(ctx, shareStore: true);
                var sandbox = CriPods.Find(core, parse.GetValue(pod)!) ?? throw new NotFoundException($"pod \"{parse.GetValue(pod)}\" not found");
                var containers = core.ListContainers(Sublet.Runtime.Sandboxes.Owner.Cri).Where(c => c.Entry.SandboxId == sandbox.Entry.Id).ToList();
                json = Table.ToJson(new InspectCriJson(PodInfo.FromCri(sandbox, containers), sandbox.Entry.Config, [.. containers.Select(c => c.Entry.Config)]));
            }
            Console.WriteLine(parse.GetValue(output) == "json" ? json : Yaml.FromJson(json));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// What this host made Sublet change in a container's settings (an oom_score_adj or capability
    /// it may not grant, DESIGN.md "This host's limits"), as recorded in the container's OCI config.
    /// </summary>
    private static Dictionary<string, string>? HostAdjustments(RuntimeContext ctx, PodView view) =>
        Annotation(ctx, view, SecurityOptions.ClampedAnnotation);

    /// <summary>
    /// One annotation of each container's OCI config, by container name; null when none has it.
    /// The rootfs annotation says how the image's layers reached the container: idmapped layers,
    /// or a chown copy where the layer store can't be idmapped (rootfs.userNamespaceMode).
    /// </summary>
    private static Dictionary<string, string>? Annotation(RuntimeContext ctx, PodView view, string name)
    {
        var result = new Dictionary<string, string>();
        foreach (var c in view.Containers)
        {
            var config = Path.Combine(ctx.Paths(view.Pod.Id).ContainerRunDir(c.Id), "config.json");
            if (!File.Exists(config))
            {
                continue;
            }
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            if (doc.RootElement.TryGetProperty("annotations", out var annotations)
                && annotations.TryGetProperty(name, out var value))
            {
                result[c.Name] = value.GetString() ?? "";
            }
        }
        return result.Count > 0 ? result : null;
    }
}
