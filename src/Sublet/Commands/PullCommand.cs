using System.CommandLine;
using Sublet.Cli.Output;
using Sublet.Images;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet pull IMAGE</c>: fetches an image from its registry into the store <c>play</c> uses.</summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "Image reference: debian, debian:12, host:port/repo:tag, repo@sha256:…" };
        var authFile = new Option<string?>("--authfile") { Description = "docker-style auth file (default: registries.authFile of the configuration)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the image ID" };
        var command = new Command("pull", "Pull an image from a registry") { image, authFile, quiet };
        command.SetAction(parse => Cli.Guard(() =>
        {
            var config = Cli.Config(parse);
            var store = new ImageStore(Path.Combine(config.StateRoot, "images"));
            var reference = ImageNames.Normalize(parse.GetValue(image)!);
            using var printer = new PullProgressPrinter(Console.Out, interactive: !Console.IsOutputRedirected, enabled: !parse.GetValue(quiet));
            var options = RuntimeContext.PullOptionsFor(config) with
            {
                AuthFile = parse.GetValue(authFile) ?? config.Registries.AuthFile,
                Progress = printer.Report,
            };
            printer.Line($"Pulling {reference} from {ImageNames.Domain(reference)}");
            var record = store.PullAsync(reference, options).GetAwaiter().GetResult();
            printer.Finish();
            if (parse.GetValue(quiet)) Console.WriteLine(record.Id);
            else Console.WriteLine($"Pulled image: {record.Reference} (digest {record.ManifestDigest}, ID {record.Id[..19]})");
            return 0;
        }));
        return command;
    }
}
