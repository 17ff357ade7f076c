using k8s.Models;
using Sublet.Kubernetes.Env;
using Sublet.Kubernetes.Manifests;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Tests;

public sealed class EnvTranslatorTests
{
    private static readonly NodeFacts Node = new("node-1", ["10.0.0.5", "fd00::5"], 4000, 8L << 30, 100L << 30);

    private const string Objects = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {MODE: fast, LEVEL: "3", bad=key: x}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        data: {PASSWORD: aHVudGVyMg==}
        stringData: {USER: admin}
        ---
        """;

    private static (PodPlan? Plan, IReadOnlyList<string> Problems) Run(string podYaml)
    {
        var manifest = ManifestReader.Read(Objects + "\n" + podYaml, "pod.yaml");
        var sources = new EnvSources(new ObjectLookup(manifest, null), Node);
        try
        {
            return (PodTranslator.Translate(Assert.Single(manifest.Pods), "pod.yaml", null, sources), []);
        }
        catch (PodRejectedException e)
        {
            return (null, e.Problems);
        }
    }

    private static IReadOnlyList<EnvVar> Env(string container)
    {
        var (plan, problems) = Run(Yaml.Pod(container: container));
        Assert.Empty(problems);
        return plan!.Containers[0].Env;
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("$(A)-x", "a-x")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$$(A)", "$a")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$(A", "$(A")]
    [InlineData("$A $", "$A $")]
    [InlineData("$(A)$(B)", "ab")]
    [InlineData("$()", "$()")]
    public void Expansion_follows_the_api_reference(string input, string expected) =>
        Assert.Equal(expected, Expansion.Expand(input, n => n switch { "A" => "a", "B" => "b", _ => null }));

    [Fact]
    public void EnvFrom_comes_first_env_replaces_it_and_references_see_what_is_defined_before()
    {
        var env = Env("""
            envFrom:
              - configMapRef: {name: app}
              - prefix: S_
                secretRef: {name: creds}
            env:
              - {name: MODE, value: slow}
              - {name: BOTH, value: "$(MODE)/$(S_USER)/$(LATER)"}
              - {name: LATER, value: late}
            """);
        Assert.Equal(
            ["LEVEL=3", "MODE=slow", "S_PASSWORD=hunter2", "S_USER=admin", "BOTH=slow/admin/$(LATER)", "LATER=late"],
            env.Select(e => $"{e.Name}={e.Value}"));
    }

    [Fact]
    public void Key_references_read_configmaps_and_secrets()
    {
        var env = Env("""
            env:
              - name: M
                valueFrom: {configMapKeyRef: {name: app, key: MODE}}
              - name: P
                valueFrom: {secretKeyRef: {name: creds, key: PASSWORD}}
              - name: GONE
                valueFrom: {configMapKeyRef: {name: nothing, key: x, optional: true}}
              - name: NOKEY
                valueFrom: {secretKeyRef: {name: creds, key: x, optional: true}}
            """);
        Assert.Equal(["M=fast", "P=hunter2"], env.Select(e => $"{e.Name}={e.Value}"));
    }

    [Fact]
    public void Missing_sources_and_keys_are_named_with_their_field_path()
    {
        var (_, problems) = Run(Yaml.Pod(container: """
            envFrom:
              - configMapRef: {name: nothing}
            env:
              - name: A
                valueFrom: {configMapKeyRef: {name: app, key: NOPE}}
              - name: B
                valueFrom: {secretKeyRef: {name: hidden, key: x}}
            """));
        Assert.Equal([
            "spec.containers[0].envFrom[0].configMapRef: configmaps \"nothing\" not found",
            "spec.containers[0].env[0].valueFrom.configMapKeyRef: couldn't find key NOPE in ConfigMap default/app",
            "spec.containers[0].env[1].valueFrom.secretKeyRef: secrets \"hidden\" not found",
        ], problems);
    }

    [Fact]
    public void Field_references_read_the_pod_and_the_node()
    {
        var (plan, problems) = Run("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: team
              uid: 11111111-2222-3333-4444-555555555555
              labels: {app: web}
              annotations: {"example.com/note": "a \"b\""}
            spec:
              containers:
                - name: app
                  image: localhost/busybox:demo
                  command: [echo, "$(POD)", "$$(POD)"]
                  args: ["$(NODE)"]
                  env:
                    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
                    - {name: UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
                    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                    - {name: NOTE, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['example.com/note']"}}}
                    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                    - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
                    - {name: HOST, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
                    - {name: HOSTS, valueFrom: {fieldRef: {fieldPath: status.hostIPs}}}
            """);
        Assert.Empty(problems);
        var c = plan!.Containers[0];
        Assert.Equal([
            "POD=web", "NS=team", "UID=11111111-2222-3333-4444-555555555555", "APP=web", "NOTE=a \"b\"",
            "NODE=node-1", "SA=default", "HOST=10.0.0.5", "HOSTS=10.0.0.5,fd00::5",
        ], c.Env.Select(e => $"{e.Name}={e.Value}"));
        Assert.Equal(["echo", "web", "$(POD)"], c.Command);
        Assert.Equal(["node-1"], c.Args);
        Assert.Equal("11111111-2222-3333-4444-555555555555", plan.Uid);
    }

    [Fact]
    public void Pod_ip_references_are_filled_in_at_container_start_and_a_later_plain_value_overrides_them()
    {
        var (plan, problems) = Run(Yaml.Pod(container: """
            env:
                    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                    - {name: IPS, valueFrom: {fieldRef: {fieldPath: status.podIPs}}}
                    - {name: OVER, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                    - {name: OVER, value: fixed}
            """));
        Assert.Empty(problems);
        var env = plan!.Containers[0].Env;
        Assert.Equal([("IP", "status.podIP"), ("IPS", "status.podIPs"), ("OVER", null)], env.Select(e => (e.Name, e.PodField)));
        Assert.Equal(["10.1.0.5", "10.1.0.5,fd00::5", "fixed"], env.Select(e => e.Resolve(["10.1.0.5", "fd00::5"])));
        Assert.Equal("", env[0].Resolve([])); // no pod network: empty, as the kubelet before an address is known
    }

    [Fact]
    public void References_to_a_pod_ip_variable_are_expanded_again_at_container_start()
    {
        var (plan, problems) = Run(Yaml.Pod(container: """
            command: ["serve", "--advertise=$(IP)", "$$(IP)"]
            args: ["--peer=$(PEER)", "plain"]
            env:
                    - {name: A, value: a}
                    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                    - {name: PEER, value: "$(IP):2380/$(A)/$(LATER)"}
                    - {name: LATER, value: z}
            """));
        Assert.Empty(problems);
        var container = plan!.Containers[0];
        Assert.Equal(["serve", "--advertise=$(IP)", "$$(IP)"], container.CommandTemplate);

        var started = Sublet.Kubelet.Plan.PodFieldExpansion.Apply(container, ["10.1.0.5"]);

        Assert.Equal(["serve", "--advertise=10.1.0.5", "$(IP)"], started.Command);
        // Each value sees only the variables before it: $(LATER) stays as written, as the kubelet leaves it.
        Assert.Equal(["--peer=10.1.0.5:2380/a/$(LATER)", "plain"], started.Args);
        Assert.Equal("10.1.0.5:2380/a/$(LATER)", started.Env.Single(e => e.Name == "PEER").Value);
    }

    [Fact]
    public void Without_a_pod_ip_variable_nothing_is_kept_for_container_start()
    {
        var (plan, _) = Run(Yaml.Pod(container: """
            command: ["echo", "$(A)"]
            env: [{name: A, value: "x$(B)"}, {name: B, value: b}]
            """));
        var container = plan!.Containers[0];
        Assert.Null(container.CommandTemplate);
        Assert.All(container.Env, e => Assert.Null(e.Template));
        Assert.Same(container, Sublet.Kubelet.Plan.PodFieldExpansion.Apply(container, ["10.1.0.5"]));
    }

    [Fact]
    public void A_generated_uid_is_the_same_in_the_plan_and_the_env()
    {
        var (plan, _) = Run(Yaml.Pod(container: "env: [{name: U, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}]"));
        Assert.Equal(plan!.Uid, plan.Containers[0].Env.Single().Value);
    }

    [Theory]
    [InlineData("limits.cpu", null, "2")] // 1500m rounds up to whole cores
    [InlineData("limits.cpu", "1m", "1500")]
    [InlineData("requests.cpu", "1m", "250")]
    [InlineData("limits.memory", null, "134217728")]
    [InlineData("limits.memory", "1Mi", "128")]
    [InlineData("requests.memory", "1Mi", "128")] // defaulted from the limit
    [InlineData("limits.ephemeral-storage", "1Gi", "100")] // unset: node allocatable
    [InlineData("requests.ephemeral-storage", null, "0")]
    public void Resource_references_divide_and_round_up(string resource, string? divisor, string expected)
    {
        var container = new V1Container
        {
            Name = "app",
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1500m"), ["memory"] = new("128Mi") },
            },
        };
        Assert.Equal(expected, DownwardApi.Resource(container, resource, divisor is null ? null : new ResourceQuantity(divisor), Node));
    }

    [Fact]
    public void Unset_limits_are_the_node_allocatable()
    {
        var container = new V1Container { Name = "app" };
        Assert.Equal("4", DownwardApi.Resource(container, "limits.cpu", null, Node));
        Assert.Equal((8L << 30).ToString(), DownwardApi.Resource(container, "limits.memory", null, Node));
        Assert.Equal("0", DownwardApi.Resource(container, "requests.cpu", null, Node));
    }

    [Fact]
    public void Labels_are_sorted_quoted_lines() =>
        Assert.Equal("a=\"1\"\nb=\"x\\\"y\\n\"", DownwardApi.Lines(new Dictionary<string, string> { ["b"] = "x\"y\n", ["a"] = "1" }));
}
