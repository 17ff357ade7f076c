using System.Text;
using k8s.Models;
using Sublet.Kubernetes.Manifests;
using Sublet.Kubernetes.Yaml;
using YamlDotNet.RepresentationModel;

namespace Sublet.Kubernetes.Tests;

/// <summary>YAML scalars typed as Kubernetes types them (sigs.k8s.io/yaml, go-yaml v3: the YAML 1.2 core schema).</summary>
public sealed class YamlJsonTests
{
    private static string Json(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Encoding.UTF8.GetString(YamlJson.ToJson(stream.Documents[0].RootNode));
    }

    [Theory]
    // Booleans: only true/false, in three spellings. YAML 1.1's yes/no/on/off/y/n are strings.
    [InlineData("true", "true")]
    [InlineData("True", "true")]
    [InlineData("FALSE", "false")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("no", "\"no\"")]
    [InlineData("on", "\"on\"")]
    [InlineData("off", "\"off\"")]
    [InlineData("y", "\"y\"")]
    [InlineData("tRUE", "\"tRUE\"")]
    // Null.
    [InlineData("", "null")]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("NULL", "null")]
    // Integers: decimal, hex, 0o and 0-prefixed octal (defaultMode: 0644), binary, signs.
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("+7", "7")]
    [InlineData("0", "0")]
    [InlineData("0644", "420")]
    [InlineData("0o644", "420")]
    [InlineData("0x1F", "31")]
    [InlineData("0b101", "5")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    // Floats; one without a fraction is written as Go's encoder writes it, so an int field takes it.
    [InlineData("0.5", "0.5")]
    [InlineData(".5", "0.5")]
    [InlineData("1.0", "1")]
    [InlineData("1e3", "1000")]
    [InlineData("09", "9")]
    [InlineData("9223372036854775808", "9.223372036854776E+18")]
    [InlineData(".inf", "\".inf\"")]
    // Strings: anything else, and every quoted or block scalar.
    [InlineData("http", "\"http\"")]
    [InlineData("100m", "\"100m\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("0x", "\"0x\"")]
    [InlineData("2026-01-02", "\"2026-01-02\"")]
    [InlineData("\"true\"", "\"true\"")]
    [InlineData("'42'", "\"42\"")]
    [InlineData("\"\"", "\"\"")]
    [InlineData("'null'", "\"null\"")]
    [InlineData("|\n  42\n", "\"42\\n\"")]
    [InlineData("!!str 42", "\"42\"")]
    [InlineData("!!int \"42\"", "42")]
    [InlineData("! true", "\"true\"")]
    public void Scalars_are_typed_as_sigs_k8s_io_yaml_types_them(string scalar, string json) =>
        Assert.Equal($"{{\"v\":{json}}}", Json($"v: {scalar}\n"));

    [Fact]
    public void Sequences_mappings_keys_and_merge_keys_become_json()
    {
        var yaml = "base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 3\n1: [x, 2]\n";
        Assert.Equal("{\"base\":{\"a\":1,\"b\":2},\"m\":{\"b\":3,\"a\":1},\"1\":[\"x\",2]}", Json(yaml));
    }

    [Fact]
    public void A_bad_merge_value_is_an_error_at_its_position()
    {
        var e = Assert.Throws<YamlJsonException>(() => Json("m:\n  <<: 5\n"));
        Assert.Equal((2, 7), (e.Start.Line, e.Start.Column));
    }

    [Theory]
    [InlineData("$.spec.containers[0].image", new[] { "spec", "containers", "0", "image" })]
    [InlineData("$.metadata.labels['app.kubernetes.io/name']", new[] { "metadata", "labels", "app.kubernetes.io/name" })]
    [InlineData("$", new string[0])]
    public void Json_paths_split_into_fields_and_indexes(string path, string[] segments) =>
        Assert.Equal(segments, YamlJson.PathSegments(path));

    private static V1Pod Pod(string spec = "", string container = "") => Yaml.ReadPod(Yaml.Pod(spec: spec, container: container));

    [Fact]
    public void Model_fields_take_what_kubectl_accepts()
    {
        var pod = Pod(
            spec: "hostUsers: false\nvolumes:\n- name: c\n  configMap: {name: c, defaultMode: 0644}",
            container: "env:\n- {name: A, value: yes}\n- {name: B, value: 8080}\n- {name: C, value: \"true\"}\n- {name: D, value: 1.50}\n"
                + "ports:\n- {name: http, containerPort: 80}\nreadinessProbe:\n  httpGet: {port: http}\nresources:\n  limits: {cpu: 0.5, memory: 64Mi}");
        var container = pod.Spec.Containers[0];
        Assert.False(pod.Spec.HostUsers);
        Assert.Equal(420, pod.Spec.Volumes[0].ConfigMap.DefaultMode);
        Assert.Equal(["yes", "8080", "true", "1.5"], container.Env.Select(e => e.Value));
        Assert.Equal("http", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("500m", container.Resources.Limits["cpu"].ToString());
        Assert.Equal("64Mi", container.Resources.Limits["memory"].ToString());
    }

    [Theory]
    [InlineData("hostUsers: yes", 6, "spec.hostUsers: invalid value \"yes\"")]
    [InlineData("hostUsers: \"false\"", 6, "spec.hostUsers: invalid value \"false\"")]
    [InlineData("terminationGracePeriodSeconds: soon", 6, "spec.terminationGracePeriodSeconds: invalid value \"soon\"")]
    [InlineData("securityContext:\n  runAsUser: root", 7, "spec.securityContext.runAsUser: invalid value \"root\"")]
    [InlineData("securityContext:\n  runAsUsr: 0", 7, "spec.securityContext: unknown field 'runAsUsr'")]
    [InlineData("nodeSelector: [a]", 6, "spec.nodeSelector: invalid value")]
    // Inside types read on first use (DeferredConverter), two and three levels down.
    [InlineData("volumes:\n- name: p\n  projected:\n    sources:\n    - configMap: {name: c, optinal: true}", 10, "spec.volumes[0].projected.sources[0].configMap: unknown field 'optinal'")]
    [InlineData("volumes:\n- name: p\n  projected:\n    defaultMode: rw", 9, "spec.volumes[0].projected.defaultMode: invalid value \"rw\"")]
    [InlineData("tolerations:\n- {key: a, tolerationSeconds: soon}", 7, "spec.tolerations[0].tolerationSeconds: invalid value \"soon\"")]
    public void Errors_name_the_line_and_the_field(string spec, int line, string expected)
    {
        var message = Assert.Throws<ManifestException>(() => ManifestReader.Read(Yaml.Pod(spec: spec), "pod.yaml")).Message;
        Assert.StartsWith($"pod.yaml: document 1 (Pod): line {line}: {expected}", message);
    }

    [Fact]
    public void An_unknown_field_in_a_container_names_its_line()
    {
        var message = Assert.Throws<ManifestException>(() => ManifestReader.Read(Yaml.Pod(container: "imagePullPolcy: Never"), "pod.yaml")).Message;
        Assert.Equal("pod.yaml: document 1 (Pod): line 9: spec.containers[0]: unknown field 'imagePullPolcy'", message);
    }

    [Fact]
    public void An_unknown_field_in_a_container_security_context_names_its_line()
    {
        var message = Assert.Throws<ManifestException>(() => ManifestReader.Read(Yaml.Pod(container: "securityContext:\n  capabilities: {drop: [ALL], ad: [NET_ADMIN]}"), "pod.yaml")).Message;
        Assert.Equal("pod.yaml: document 1 (Pod): line 10: spec.containers[0].securityContext.capabilities: unknown field 'ad'", message);
    }

    [Fact]
    public void A_bad_quantity_names_its_line()
    {
        var message = Assert.Throws<ManifestException>(() => ManifestReader.Read(Yaml.Pod(container: "resources: {limits: {cpu: 1x}}"), "pod.yaml")).Message;
        Assert.StartsWith("pod.yaml: document 1 (Pod): line 9: invalid value \"1x\"", message);
    }
}
