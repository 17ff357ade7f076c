using Sublet.Kubernetes.Manifests;

namespace Sublet.Kubernetes.Tests;

public sealed class ManifestReaderTests
{
    private static ManifestException Rejected(string yaml) =>
        Assert.Throws<ManifestException>(() => ManifestReader.Read(yaml, "pods.yaml"));

    [Fact]
    public void Reads_every_document_by_kind_and_skips_empty_ones()
    {
        var yaml = $"""
            ---
            {Yaml.Pod("one")}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {"{name: cfg}"}
            data: {"{a: b}"}
            ---
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: team
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: s
            ---
            {Yaml.Pod("two")}
            ---
            """;

        var manifest = ManifestReader.Read(yaml, "pods.yaml");

        Assert.Equal("pods.yaml", manifest.Source);
        Assert.Equal(["one", "two"], manifest.Pods.Select(p => p.Metadata.Name));
        Assert.Equal("b", Assert.Single(manifest.ConfigMaps).Data["a"]);
        Assert.Equal("team", Assert.Single(manifest.Namespaces).Metadata.Name);
        Assert.Single(manifest.Secrets);
        Assert.Equal("localhost/busybox:demo", manifest.Pods[0].Spec.Containers[0].Image);
    }

    [Theory]
    [InlineData("")]
    [InlineData("---\n---\n")]
    [InlineData("# only a comment\n")]
    public void Nothing_to_run_is_an_error(string yaml) =>
        Assert.Equal("pods.yaml: no Kubernetes objects found", Rejected(yaml).Message);

    [Theory]
    [InlineData("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", "kind \"Deployment\" (apiVersion \"apps/v1\") is not supported")]
    [InlineData("apiVersion: v2\nkind: Pod\n", "kind \"Pod\" (apiVersion \"v2\") is not supported")]
    public void Unknown_kinds_are_named(string yaml, string expected)
    {
        var message = Rejected(yaml).Message;
        Assert.StartsWith("pods.yaml: document 1: ", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void The_document_number_counts_from_one_across_separators()
    {
        var message = Rejected(Yaml.Pod() + "---\napiVersion: batch/v1\nkind: Job\n").Message;
        Assert.StartsWith("pods.yaml: document 2: kind \"Job\"", message);
    }

    [Theory]
    [InlineData("kind: Pod\nmetadata: {name: p}\n")]
    [InlineData("apiVersion: v1\nmetadata: {name: p}\n")]
    [InlineData("apiVersion: v1\nkind: \"\"\n")]
    public void Missing_kind_or_apiVersion_is_an_error(string yaml) =>
        Assert.Equal("pods.yaml: document 1: Object 'Kind' or 'apiVersion' is missing", Rejected(yaml).Message);

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just a string\n")]
    public void A_document_that_is_not_a_mapping_is_an_error(string yaml) =>
        Assert.Contains("document 1: expected a Kubernetes object", Rejected(yaml).Message);

    [Theory]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n", 5)]
    [InlineData("apiVersion: v1\nkind: Pod\nkind: Pod\n", 3)]
    [InlineData("a: b\n  c: d\n", 2)]
    public void Invalid_yaml_reports_the_line(string yaml, int line) =>
        Assert.StartsWith($"pods.yaml: invalid YAML at line {line},", Rejected(yaml).Message);

    [Fact]
    public void A_wrong_type_names_the_document_and_the_line_in_the_file()
    {
        // Comments and the first document count: the line is the file's, as an editor shows it.
        var yaml = "# comment\n" + Yaml.Pod("one") + "---\n# another\n" + Yaml.Pod("two", spec: "hostUsers: maybe");
        var hostUsersLine = yaml.Split('\n').ToList().FindIndex(l => l.Contains("maybe", StringComparison.Ordinal)) + 1;

        var message = Rejected(yaml).Message;

        Assert.StartsWith($"pods.yaml: document 2 (Pod): line {hostUsersLine}: ", message);
        Assert.Contains("maybe", message);
    }

    [Theory]
    [InlineData("hostUser: false", "hostUser")]
    [InlineData("restartpolicy: Never", "restartpolicy")]
    public void A_misspelt_field_is_refused_not_dropped(string specLine, string field)
    {
        var message = Rejected(Yaml.Pod(spec: specLine)).Message;
        Assert.StartsWith("pods.yaml: document 1 (Pod): line 6: ", message);
        Assert.Contains($"'{field}'", message);
    }

    [Fact]
    public void A_document_indented_as_a_whole_is_read()
    {
        var pod = ManifestReader.Read("---\n  apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n", "pods.yaml").Pods;
        Assert.Equal("p", Assert.Single(pod).Metadata.Name);
    }

    [Fact]
    public void ReadFile_names_a_missing_file()
    {
        using var dir = new TestDir();
        var message = Assert.Throws<ManifestException>(() => ManifestReader.ReadFile(dir["missing.yaml"])).Message;
        Assert.StartsWith(dir["missing.yaml"] + ": ", message);
    }

    [Fact]
    public void ReadFile_reads_a_file()
    {
        using var dir = new TestDir();
        var path = dir["pod.yaml"];
        File.WriteAllText(path, Yaml.Pod("from-file"));
        var manifest = ManifestReader.ReadFile(path);
        Assert.Equal(path, manifest.Source);
        Assert.Equal("from-file", Assert.Single(manifest.Pods).Metadata.Name);
    }
}
