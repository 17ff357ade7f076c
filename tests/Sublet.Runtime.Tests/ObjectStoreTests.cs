using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

public sealed class ObjectStoreTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Put_says_created_then_unchanged_then_configured()
    {
        using var store = new StateStore(_dir["state"]);
        Assert.Equal(PutOutcome.Created, store.PutObject("ConfigMap", "default", "app", """{"data":{"a":"1"}}"""));
        Assert.Equal(PutOutcome.Unchanged, store.PutObject("ConfigMap", "default", "app", """{"data":{"a":"1"}}"""));
        Assert.Equal(PutOutcome.Configured, store.PutObject("ConfigMap", "default", "app", """{"data":{"a":"2"}}"""));

        var stored = store.GetObject("ConfigMap", "default", "app")!;
        Assert.Equal("""{"data":{"a":"2"}}""", stored.Json);
        Assert.True(stored.Updated >= stored.Created);
    }

    [Fact]
    public void Objects_are_keyed_by_kind_namespace_and_name()
    {
        using var store = new StateStore(_dir["state"]);
        store.PutObject("ConfigMap", "default", "app", "{}");
        store.PutObject("Secret", "default", "app", """{"s":1}""");
        store.PutObject("ConfigMap", "other", "app", """{"o":1}""");
        store.PutObject("Namespace", "", "other", "{}");

        Assert.Equal("{}", store.GetObject("ConfigMap", "default", "app")!.Json);
        Assert.Equal("""{"s":1}""", store.GetObject("Secret", "default", "app")!.Json);
        Assert.Null(store.GetObject("Secret", "other", "app"));
        Assert.Equal(["default/app", "other/app"], store.ListObjects("ConfigMap").Select(o => $"{o.Namespace}/{o.Name}"));
        Assert.Equal("other", Assert.Single(store.ListObjects("Namespace")).Name);
    }

    [Fact]
    public void Objects_survive_reopening_the_database()
    {
        using (var store = new StateStore(_dir["state"]))
        {
            store.PutObject("ConfigMap", "default", "app", "{}");
        }
        using var again = new StateStore(_dir["state"]);
        Assert.NotNull(again.GetObject("ConfigMap", "default", "app"));
    }
}
