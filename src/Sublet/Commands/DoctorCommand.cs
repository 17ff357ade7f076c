using System.CommandLine;
using Sublet.Cli.Output;
using Sublet.Kubernetes.Manifests;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet doctor [FILE] [-o json]</c>: checks this node for user-namespaced pods and, with a
/// manifest, each of its volumes. Exit code 1 when a check fails. Probes leave nothing behind.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("FILE") { Description = "A manifest whose pods' volumes to check too", Arity = ArgumentArity.ZeroOrOne };
        var output = Cli.OutputOption("table", "json");
        var command = new Command("doctor", "Check this node (kernel, user namespaces, runtimes, ID pool, idmapped mounts) and a manifest's volumes") { file, output };
        command.SetAction(parse => Cli.Guard(() =>
        {
            var config = Cli.Config(parse);
            var manifest = parse.GetValue(file) is { } path ? ManifestReader.ReadFile(path) : null;
            using var host = new LinuxDoctorHost();
            var checks = DoctorChecks.Run(config, host, manifest);
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(checks.Select(c => new DoctorRowJson(c.Check, c.Status.ToString().ToLowerInvariant(), c.Detail, c.Fix)).ToList());
            }
            else
            {
                Table.Write(["CHECK", "STATUS", "DETAIL", "FIX"],
                    checks.Select(c => (IReadOnlyList<string>)[c.Check, c.Status.ToString().ToLowerInvariant(), c.Detail, c.Fix]));
            }
            return checks.Any(c => c.Status == CheckStatus.Fail) ? 1 : 0;
        }));
        return command;
    }
}
