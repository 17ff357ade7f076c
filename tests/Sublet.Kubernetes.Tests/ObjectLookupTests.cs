using System.Text;
using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.State;

namespace Sublet.Kubernetes.Tests;

public sealed class ObjectLookupTests
{
    private const string Objects = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: team}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {a: "1", b: "2"}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds, namespace: team}
        data: {user: YWRtaW4=}
        stringData: {password: hunter2}
        """;

    private static Manifest Read(string yaml) => ManifestReader.Read(yaml, "objects.yaml");

    [Fact]
    public void Store_reports_what_kubectl_apply_would_say()
    {
        var store = new MemoryObjectStore();
        Assert.Equal(["namespace/team created", "configmap/app created", "secret/creds created"],
            ObjectLookup.Store(Read(Objects), store).Select(a => a.ToString()));
        Assert.Equal(["namespace/team unchanged", "configmap/app unchanged", "secret/creds unchanged"],
            ObjectLookup.Store(Read(Objects), store).Select(a => a.ToString()));
        var changed = Objects.Replace("b: \"2\"", "b: \"3\"", StringComparison.Ordinal);
        Assert.Equal(["namespace/team unchanged", "configmap/app configured", "secret/creds unchanged"],
            ObjectLookup.Store(Read(changed), store).Select(a => a.ToString()));
    }

    [Fact]
    public void The_same_content_in_another_key_order_is_unchanged()
    {
        var store = new MemoryObjectStore();
        ObjectLookup.Store(Read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: '1', b: '2'}\n"), store);
        var again = ObjectLookup.Store(Read("kind: ConfigMap\napiVersion: v1\ndata: {b: '2', a: '1'}\nmetadata: {name: app}\n"), store);
        Assert.Equal(PutOutcome.Unchanged, Assert.Single(again).Outcome);
    }

    [Fact]
    public void Secrets_are_stored_as_the_api_server_keeps_them()
    {
        var store = new MemoryObjectStore();
        ObjectLookup.Store(Read(Objects), store);
        var secret = new ObjectLookup(null, store).Secret("team", "creds")!;
        Assert.Null(secret.StringData);
        Assert.Equal("admin", Encoding.UTF8.GetString(secret.Data["user"]));
        Assert.Equal("hunter2", Encoding.UTF8.GetString(secret.Data["password"]));
    }

    [Fact]
    public void The_file_comes_before_the_store_and_namespaces_are_kept_apart()
    {
        var store = new MemoryObjectStore();
        ObjectLookup.Store(Read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: stored}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: only-stored}\n"), store);
        var lookup = new ObjectLookup(Read(Objects), store);

        Assert.Equal("1", lookup.ConfigMap("default", "app")!.Data["a"]);
        Assert.NotNull(lookup.ConfigMap("default", "only-stored"));
        Assert.Null(lookup.ConfigMap("team", "app"));
        Assert.Equal("hunter2", Encoding.UTF8.GetString(lookup.Secret("team", "creds")!.Data["password"]));
        Assert.Null(lookup.Secret("default", "creds"));
        Assert.Null(new ObjectLookup(null, null).ConfigMap("default", "app"));
    }
}

public sealed class ObjectValidationTests
{
    [Fact]
    public void Objects_the_api_server_would_refuse_are_not_stored()
    {
        var store = new MemoryObjectStore();
        var manifest = ManifestReader.Read("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ok}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: Bad}
            data: {"../x": "1", a: "1"}
            binaryData: {a: aGk=}
            """, "objects.yaml");
        var error = Assert.Throws<ManifestException>(() => ObjectLookup.Store(manifest, store));
        Assert.StartsWith("objects.yaml: ConfigMap \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain", error.Message);
        Assert.Contains("data[../x]: Invalid value: \"../x\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'", error.Message);
        Assert.Contains("data[a]: Invalid value: \"a\": duplicate of key present in binaryData", error.Message);
        Assert.Empty(store.ListObjects("ConfigMap"));
    }
}
