using k8s.Models;

namespace Sublet.Kubernetes.Env;

/// <summary>Where a pod's ConfigMaps, Secrets and Namespace come from (its manifest file, then the store).</summary>
public interface IKubeObjects
{
    V1Namespace? Namespace(string name);

    V1ConfigMap? ConfigMap(string ns, string name);

    V1Secret? Secret(string ns, string name);
}
