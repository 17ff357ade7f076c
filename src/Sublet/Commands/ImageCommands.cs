using System.CommandLine;
using Sublet.Cli.Output;
using Sublet.Images;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary><c>image load</c>, <c>image prune</c>, <c>images</c>, <c>rmi</c>: the local image store.</summary>
internal static class ImageCommands
{
    public static Command Load()
    {
        var path = new Argument<string>("path") { Description = "OCI image layout (directory or tar) or docker save archive" };
        var load = new Command("load", "Import images from an OCI layout or docker save archive") { path };
        load.SetAction(parse => Cli.Guard(() =>
        {
            var store = Store(parse);
            foreach (var image in store.Load(parse.GetValue(path)!))
            {
                Console.WriteLine($"Loaded image: {image.Reference} ({image.Id[..19]})");
            }
            return 0;
        }));
        return new Command("image", "Manage images") { load, Prune() };
    }

    /// <summary><c>image prune [-a]</c>: as <c>docker image prune</c>, without its prompt (Sublet's commands never ask).</summary>
    private static Command Prune()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove every image no container uses, not only the dangling ones (untagged since their tag moved)" };
        var command = new Command("prune", "Remove images no container uses, with the blobs and layers only they held") { all };
        command.SetAction(parse => Cli.Guard(() =>
        {
            var stateRoot = Cli.Config(parse).StateRoot;
            var (removed, reclaimed) = Store(parse).Prune(parse.GetValue(all), record => ImageUsers.Of(stateRoot, record).Count > 0);
            if (removed.Count > 0)
            {
                Console.WriteLine("Deleted Images:");
                foreach (var id in removed)
                {
                    Console.WriteLine($"deleted: {id}");
                }
                Console.WriteLine();
            }
            Console.WriteLine($"Total reclaimed space: {Size((long)reclaimed)}");
            return 0;
        }));
        return command;
    }

    public static Command List()
    {
        var output = Cli.OutputOption("table", "json");
        var digests = new Option<bool>("--digests") { Description = "Show the manifest digest of each image (as docker images --digests)" };
        var command = new Command("images", "List images in the store") { output, digests };
        command.SetAction(parse => Cli.Guard(() =>
        {
            var images = Store(parse).List();
            if (parse.GetValue(output) == "json")
            {
                Table.WriteJson(images.Select(i => new ImageRowJson(i.Reference, i.Id, i.ManifestDigest, i.Size, i.Created, i.LayerIds.Count)).ToList());
                return 0;
            }
            var now = DateTimeOffset.UtcNow;
            if (parse.GetValue(digests))
            {
                Table.Write(["IMAGE", "DIGEST", "IMAGE ID", "SIZE", "CREATED"],
                    images.Select(i => (IReadOnlyList<string>)[i.Reference, i.ManifestDigest, ShortId(i), Size(i.Size), Table.Age(i.Created, now)]));
                return 0;
            }
            Table.Write(["IMAGE", "IMAGE ID", "SIZE", "CREATED"],
                images.Select(i => (IReadOnlyList<string>)[i.Reference, ShortId(i), Size(i.Size), Table.Age(i.Created, now)]));
            return 0;
        }));
        return command;
    }

    public static Command Remove()
    {
        var images = new Argument<string[]>("image") { Arity = ArgumentArity.OneOrMore, Description = "Image reference or id" };
        var command = new Command("rmi", "Remove images from the store") { images };
        command.SetAction(parse => Cli.Guard(() =>
        {
            var store = Store(parse);
            var stateRoot = Cli.Config(parse).StateRoot;
            foreach (var image in parse.GetValue(images)!)
            {
                // Refused while a container uses the image (issue 20 item 4), as podman does.
                store.Remove(image, record => ImageUsers.Of(stateRoot, record));
                Console.WriteLine($"Untagged: {image}");
            }
            return 0;
        }));
        return command;
    }

    private static string ShortId(ImageRecord image) => image.Id.Replace("sha256:", "", StringComparison.Ordinal)[..12];

    private static ImageStore Store(ParseResult parse) => new(Path.Combine(Cli.Config(parse).StateRoot, "images"));

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} kB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:0.#} MB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:0.##} GB",
    };
}
