using System.CommandLine;
using System.Text.Json;
using Sublet.Cli.Output;
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
            var info = new { Pod = PodInfo.From(view), Spec = view.Plan };
            var json = JsonSerializer.Serialize(info, Table.Json);
            Console.WriteLine(parse.GetValue(output) == "json" ? json : Yaml.FromJson(json));
            return 0;
        }));
        return command;
    }
}
