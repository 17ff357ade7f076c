using System.Text;
using Sublet.Kubernetes.Env;
using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Tests;

public sealed class ProjectionTests
{
    private const string Objects = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {a: "1", b: "2"}
        binaryData: {bin: aGk=}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        data: {user: YWRtaW4=}
        stringData: {password: hunter2}
        """;

    private static readonly NodeFacts Node = new("node", [], AllocatableMilliCpu: 2000, AllocatableMemory: 8L << 30, AllocatableEphemeralStorage: 100L << 30);

    /// <summary>Translates a pod with these volumes (and container lines) and returns each volume's files as "path mode content".</summary>
    private static List<string> Files(string volumes, string container = "", string objects = Objects, string metadata = "")
    {
        var yaml = $"{objects}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  uid: u-1\n{metadata}spec:\n  volumes:\n{volumes}\n  containers:\n  - name: app\n    image: img\n{container}";
        var manifest = ManifestReader.Read(yaml, "pod.yaml");
        var plan = PodTranslator.Translate(Assert.Single(manifest.Pods), "pod.yaml");
        var lookup = new ObjectLookup(manifest, null);
        return plan.Volumes.SelectMany(v => Projections.Files(plan, v, lookup, Node))
            .Select(f => $"{f.Path} {Convert.ToString(f.Mode, 8)} {Encoding.UTF8.GetString(f.Content)}").ToList();
    }

    private static string Error(string volumes, string objects = Objects) =>
        Assert.Throws<PlanException>(() => Files(volumes, objects: objects)).Message;

    [Fact]
    public void Every_key_of_data_and_binaryData_with_the_default_mode()
    {
        Assert.Equal(["a 644 1", "b 644 2", "bin 644 hi"], Files("  - {name: v, configMap: {name: app}}"));
    }

    [Fact]
    public void Items_pick_and_rename_keys_with_their_own_mode_over_defaultMode()
    {
        Assert.Equal(["conf/x 400 1", "y 440 hi"],
            Files("  - {name: v, configMap: {name: app, defaultMode: 0440, items: [{key: a, path: conf/x, mode: 0400}, {key: bin, path: y}]}}"));
    }

    [Fact]
    public void Secrets_give_bytes_with_stringData_merged()
    {
        Assert.Equal(["password 400 hunter2", "user 400 admin"], Files("  - {name: s, secret: {secretName: creds, defaultMode: 0400}}"));
    }

    [Fact]
    public void A_missing_object_or_key_fails_naming_the_volume_and_field_unless_optional()
    {
        Assert.Equal("volume \"v\": spec.volumes[0].configMap: configmaps \"nope\" not found", Error("  - {name: v, configMap: {name: nope}}"));
        Assert.Equal("volume \"s\": spec.volumes[0].secret: secrets \"nope\" not found", Error("  - {name: s, secret: {secretName: nope}}"));
        Assert.Equal("volume \"v\": spec.volumes[0].configMap: configmap references non-existent config key: x",
            Error("  - {name: v, configMap: {name: app, items: [{key: x, path: x}]}}"));
        Assert.Equal("volume \"s\": spec.volumes[0].secret: references non-existent secret key: x",
            Error("  - {name: s, secret: {secretName: creds, items: [{key: x, path: x}]}}"));

        Assert.Empty(Files("  - {name: v, configMap: {name: nope, optional: true}}"));
        Assert.Equal(["a 644 1"], Files("  - {name: v, configMap: {name: app, optional: true, items: [{key: x, path: x}, {key: a, path: a}]}}"));
    }

    [Fact]
    public void Projected_sources_mix_with_one_defaultMode_and_later_sources_win_a_path()
    {
        var files = Files("""
              - name: all
                projected:
                  defaultMode: 0444
                  sources:
                  - configMap: {name: app, items: [{key: a, path: same}, {key: b, path: b}]}
                  - secret: {name: creds, items: [{key: user, path: same, mode: 0400}]}
                  - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
            """);
        Assert.Equal(["b 444 2", "name 444 web", "same 400 admin"], files);
    }

    [Fact]
    public void Sources_that_need_an_api_server_are_refused_by_path()
    {
        var problems = Yaml.Problems(Yaml.Pod(spec: """
            volumes:
            - name: t
              projected: {sources: [{serviceAccountToken: {path: token}}, {clusterTrustBundle: {path: b, name: n}}]}
            """));
        Assert.Equal(
            [
                "spec.volumes[0].projected.sources[0].serviceAccountToken: Unsupported value: sublet has no API server to issue service account tokens, and will not run the pod without it",
                "spec.volumes[0].projected.sources[1].clusterTrustBundle: Unsupported value: sublet has no API server to issue ClusterTrustBundle objects, and will not run the pod without it",
            ],
            problems);
    }

    [Fact]
    public void The_plan_keeps_references_not_content()
    {
        var manifest = ManifestReader.Read(Objects + "\n---\n" + Yaml.Pod(spec: "volumes: [{name: s, secret: {secretName: creds}}]"), "pod.yaml");
        var plan = PodTranslator.Translate(Assert.Single(manifest.Pods), "pod.yaml");
        var json = System.Text.Json.JsonSerializer.Serialize(plan);
        Assert.Contains("\"creds\"", json);
        Assert.DoesNotContain("hunter2", json);
        Assert.DoesNotContain("YWRtaW4", json);
        Assert.True(plan.Volumes[0].Projection!.OnTmpfs);
    }

    [Fact]
    public void Downward_api_metadata_as_the_kubelet_writes_it()
    {
        var files = Files("""
              - name: d
                downwardAPI:
                  items:
                  - {path: name, fieldRef: {fieldPath: metadata.name}}
                  - {path: ns, fieldRef: {fieldPath: metadata.namespace}}
                  - {path: uid, fieldRef: {fieldPath: metadata.uid}}
                  - {path: labels, fieldRef: {fieldPath: metadata.labels}}
                  - {path: annotations, fieldRef: {fieldPath: metadata.annotations}, mode: 0400}
                  - {path: tier, fieldRef: {fieldPath: "metadata.labels['tier']"}}
            """, metadata: "  labels: {tier: web, app: shop}\n  annotations: {note: \"say \\\"hi\\\"\\n\"}\n");
        Assert.Equal(
            [
                "annotations 400 note=\"say \\\"hi\\\"\\n\"",
                "labels 644 app=\"shop\"\ntier=\"web\"",
                "name 644 web",
                "ns 644 default",
                "tier 644 web",
                "uid 644 u-1",
            ],
            files);
    }

    [Fact]
    public void Resource_fields_divide_and_round_up_and_an_unset_limit_is_the_node_allocatable()
    {
        var files = Files("""
              - name: d
                downwardAPI:
                  items:
                  - {path: cpu-limit, resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}
                  - {path: cpu-request, resourceFieldRef: {containerName: app, resource: requests.cpu}}
                  - {path: mem-limit, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
                  - {path: mem-request, resourceFieldRef: {containerName: app, resource: requests.memory}}
                  - {path: storage-limit, resourceFieldRef: {containerName: app, resource: limits.ephemeral-storage, divisor: 1Gi}}
                  - {path: storage-request, resourceFieldRef: {containerName: app, resource: requests.ephemeral-storage}}
            """, container: "    resources: {limits: {cpu: 250m}, requests: {memory: 100Mi}}\n");
        Assert.Equal(
            [
                "cpu-limit 644 250",
                "cpu-request 644 1", // the request defaults to the limit; 0.25 cpu rounds up to 1
                "mem-limit 644 8192", // unset: node allocatable (8 GiB)
                "mem-request 644 104857600",
                "storage-limit 644 100",
                "storage-request 644 0",
            ],
            files);
    }
}

public sealed class ProjectionPlanTests
{
    [Fact]
    public void A_volume_uses_the_objects_its_sources_name_by_kind()
    {
        var plan = Yaml.Translate(Yaml.Pod(spec: """
            volumes:
            - {name: c, configMap: {name: app}}
            - name: p
              projected: {sources: [{secret: {name: creds}}, {configMap: {name: other}}, {downwardAPI: {items: [{path: n, fieldRef: {fieldPath: metadata.name}}]}}]}
            """));
        var (configMap, projected) = (plan.Volumes[0].Projection!, plan.Volumes[1].Projection!);

        Assert.True(configMap.Uses("ConfigMap", "app"));
        Assert.False(configMap.Uses("Secret", "app"));
        Assert.True(projected.Uses("Secret", "creds"));
        Assert.True(projected.Uses("ConfigMap", "other"));
        Assert.False(projected.Uses("ConfigMap", "creds"));
        Assert.Equal(["configMap", "projected"], plan.Volumes.Select(v => v.Describe()));
        Assert.Equal([false, true], plan.Volumes.Select(v => v.Projection!.OnTmpfs));
    }
}
