using Sublet.Images;
using Sublet.Images.Registry;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Pods;

namespace Sublet.Kubelet.Pods;

/// <summary>What <see cref="ImagePulls"/> does for one image: the kubelet's image manager decision (pkg/kubelet/images/image_manager.go EnsureImageExists).</summary>
public enum PullAction
{
    UseLocal,
    Pull,
    /// <summary>Never, and the image is absent: ErrImageNeverPull.</summary>
    Refuse,
}

/// <summary>
/// Makes sure every image a pod names is in the store before anything is allocated: pulls what
/// <c>imagePullPolicy</c> asks for (Always: every start; IfNotPresent: when absent; Never: never),
/// each image once per start even when several containers name it.
/// </summary>
public sealed class ImagePulls(RuntimeContext ctx)
{
    /// <summary>The decision, pure: policy and presence in, action out.</summary>
    public static PullAction Decide(PullPolicy policy, bool present) => policy switch
    {
        PullPolicy.Always => PullAction.Pull,
        PullPolicy.Never => present ? PullAction.UseLocal : PullAction.Refuse,
        _ => present ? PullAction.UseLocal : PullAction.Pull,
    };

    /// <summary>Pulls as needed; an image that cannot be had is an <see cref="ImageException"/> naming it (and its registry).</summary>
    public void Ensure(IEnumerable<ContainerPlan> containers)
    {
        // Several containers with one image: the strictest policy wins (Always over IfNotPresent over Never).
        var images = containers.GroupBy(c => c.Image)
            .Select(g => (Image: g.Key, Policy: g.Select(c => c.PullPolicy).OrderBy(Rank).First()));
        foreach (var (image, policy) in images)
        {
            switch (Decide(policy, ctx.Images.Find(image) is not null))
            {
                case PullAction.Refuse:
                    throw new ImageNotFoundException(image, $"image \"{image}\" is not in the store and its imagePullPolicy is Never");
                case PullAction.Pull:
                    Pull(image, policy);
                    break;
            }
        }
    }

    private void Pull(string image, PullPolicy policy)
    {
        var started = ctx.Time.GetTimestamp();
        ImageRecord record;
        try
        {
            record = ctx.Images.PullAsync(image, ctx.PullOptions).GetAwaiter().GetResult();
        }
        catch (RegistryException e) when (policy != PullPolicy.Always)
        {
            throw new ImageNotFoundException(image, $"image \"{image}\" is not in the store and {e.Message}", e);
        }
        ctx.PullLog($"Pulled image {record.Reference} ({record.ManifestDigest}) in {ctx.Time.GetElapsedTime(started).TotalSeconds:0.0}s");
    }

    private static int Rank(PullPolicy policy) => policy switch
    {
        PullPolicy.Always => 0,
        PullPolicy.IfNotPresent => 1,
        _ => 2,
    };
}
