using Sublet.Kubelet.Plan;

namespace Sublet.Kubelet.Volumes;

/// <summary>One file of a projected volume: its path relative to the volume, content and mode.</summary>
public sealed record ProjectedFile(string Path, byte[] Content, int Mode);

/// <summary>
/// The files a configMap, secret, downwardAPI or projected volume shows now. The runtime keeps
/// only references in the plan and asks this when it publishes (Kubernetes semantics decide the
/// content; the CLI gives <see cref="Pods.PodStarter"/> an implementation).
/// </summary>
public interface IVolumeContent
{
    /// <exception cref="PlanException">An object or key the volume needs is missing, naming the volume and field.</exception>
    IReadOnlyList<ProjectedFile> Files(PodPlan plan, VolumePlan volume);
}
