using k8s.Models;

namespace Sublet.Kubernetes.Env;

/// <summary>Where a pod's ConfigMaps and Secrets come from (its manifest file, then the store).</summary>
public interface IKubeObjects
{
    V1ConfigMap? ConfigMap(string ns, string name);

    V1Secret? Secret(string ns, string name);
}
