using System.CommandLine;
using Sublet.Cli.Output;
using Sublet.Kubernetes;
using Sublet.Kubernetes.Env;
using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet check FILE</c>: what <c>play</c> would decide about a manifest — API validation, Pod
/// Security admission, Sublet's own limits — without running anything: no root needed, no state
/// directory touched, no audit line written. Exit 1 when a pod would be refused.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Pod manifest (YAML, several documents allowed; - for stdin)" };
        var output = Cli.OutputOption("table", "json");
        var command = new Command("check", "Validate a manifest and evaluate Pod Security admission, as play would, without running it") { file, output };
        command.SetAction(parse => Cli.Guard(() =>
        {
            var config = Cli.Config(parse);
            var manifest = ManifestReader.ReadFile(parse.GetValue(file)!);
            if (manifest.Pods.Count == 0)
            {
                throw new ManifestException($"{manifest.Source}: no Pod in the file");
            }
            using var store = ExistingStore(config.StateRoot);
            var sources = EnvSources.Offline with { Objects = new ObjectLookup(manifest, store) };
            var verdicts = ManifestChecker.Check(manifest, config, Environment.UserName, sources);
            var findings = verdicts.SelectMany(v => v.Findings).ToList();
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(new CheckJson(
                    [.. verdicts.Select(v => new CheckPodJson(
                        Name: v.Pod.Metadata?.Name ?? "",
                        Namespace: v.Pod.Metadata?.NamespaceProperty ?? "default",
                        Allowed: !v.Refused,
                        v.Refusal,
                        Enforce: v.Admission?.Enforce?.Policy.ToString(),
                        Warn: v.Admission?.Warn?.Policy.ToString(),
                        Audit: v.Admission?.Audit?.Policy.ToString(),
                        Exempt: v.Admission?.ExemptBy))],
                    findings));
            }
            else if (findings.Count == 0)
            {
                Console.WriteLine($"{manifest.Source}: {verdicts.Count} {(verdicts.Count == 1 ? "pod" : "pods")}, no findings");
            }
            else
            {
                Table.Write(["LEVEL", "OBJECT", "FIELD", "MESSAGE"], findings.Select(f => (IReadOnlyList<string>)[f.Level, f.Object, f.Field, f.Message]));
            }
            return verdicts.Any(v => v.Refused) ? 1 : 0;
        }));
        return command;
    }

    /// <summary>
    /// The store <c>apply</c> fills (Namespace labels, ConfigMaps, Secrets) when there is one this
    /// user may read; never created here, so check needs neither root nor a state directory.
    /// </summary>
    private static StateStore? ExistingStore(string stateRoot)
    {
        if (!File.Exists(Path.Combine(stateRoot, "state.db")))
        {
            return null;
        }
        try
        {
            return new StateStore(stateRoot);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }
}
