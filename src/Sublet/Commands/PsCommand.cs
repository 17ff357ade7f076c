using System.CommandLine;
using Sublet.Cli.Output;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet ps</c>: pods and their containers.</summary>
internal static class PsCommand
{
    public static Command Create()
    {
        var output = Cli.OutputOption("table", "json");
        var command = new Command("ps", "List pods and their containers") { output };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var status = new PodStatus(ctx);
            var network = new PodNetworking(ctx);
            var pods = ctx.Store.Pods().Select(p => PodInfo.From(status.View(p), network.Ips(p.Id))).ToList();
            var core = new Sublet.Runtime.Sandboxes.RuntimeCore(ctx, shareStore: true);
            var criContainers = core.ListContainers(Sublet.Runtime.Sandboxes.Owner.Cri);
            pods.AddRange(core.ListSandboxes(Sublet.Runtime.Sandboxes.Owner.Cri)
                .Select(s => PodInfo.FromCri(s, criContainers.Where(c => c.Entry.SandboxId == s.Entry.Id))));
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(pods);
                return 0;
            }
            var now = DateTimeOffset.UtcNow;
            // IP as kubectl get pods -o wide shows it: the first address, <none> without one.
            Table.Write(["POD", "NAMESPACE", "POD STATE", "CONTAINER", "STATE", "EXIT", "RESTARTS", "HOST IDS", "AGE", "POD ID", "IP"],
                pods.SelectMany(p => p.Containers.Count == 0
                    ? [[p.Name, p.Namespace, Marked(p), "-", "", "", "", p.UserNamespace.Display, Table.Age(p.Created, now), p.Id[..12], Ip(p)]]
                    : p.Containers.Select(c => (IReadOnlyList<string>)[p.Name, p.Namespace, Marked(p), c.Name, c.State,
                        (c.ExitCode ?? c.LastState?.ExitCode)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                        c.RestartCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        p.UserNamespace.Display, Table.Age(p.Created, now), p.Id[..12], Ip(p)])));
            return 0;
        }));
        return command;
    }

    private static string Ip(PodInfo p) => p.PodIps.FirstOrDefault() ?? "<none>";

    /// <summary>A CRI client's pod says so in its state: the kubelet owns its lifecycle, not <c>down</c>.</summary>
    private static string Marked(PodInfo p) => p.Owner == "cri" ? $"{p.State} (cri)" : p.State;
}
