using System.CommandLine;
using System.Text.Json;
using Sublet.Cli.Output;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
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
            var record = ctx.Store.FindPod(parse.GetValue(pod)!) ?? throw new NotFoundException($"pod \"{parse.GetValue(pod)}\" not found");
            var view = new PodStatus(ctx).View(record);
            var info = new { Pod = PodInfo.From(view), HostAdjustments = HostAdjustments(ctx, view), Spec = view.Plan };
            var json = JsonSerializer.Serialize(info, Table.Json);
            Console.WriteLine(parse.GetValue(output) == "json" ? json : Yaml.FromJson(json));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// What this host made Sublet change in a container's settings (an oom_score_adj or capability
    /// it may not grant, DESIGN.md "This host's limits"), as recorded in the container's OCI config.
    /// </summary>
    private static Dictionary<string, string>? HostAdjustments(RuntimeContext ctx, PodView view)
    {
        var result = new Dictionary<string, string>();
        foreach (var c in view.Containers)
        {
            var config = Path.Combine(ctx.Paths(view.Pod.Id).ContainerRunDir(c.Name), "config.json");
            if (!File.Exists(config))
            {
                continue;
            }
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            if (doc.RootElement.TryGetProperty("annotations", out var annotations)
                && annotations.TryGetProperty(SecurityOptions.ClampedAnnotation, out var clamped))
            {
                result[c.Name] = clamped.GetString() ?? "";
            }
        }
        return result.Count > 0 ? result : null;
    }
}
