namespace Sublet.Runtime.State;

/// <summary>What storing an object did, in <c>kubectl apply</c>'s words.</summary>
public enum PutOutcome
{
    Created,
    Configured,
    Unchanged,
}

/// <summary>
/// One API object kept for pods to use (ConfigMap, Secret, Namespace), as its JSON.
/// Cluster-scoped kinds (Namespace) have the empty namespace.
/// </summary>
public sealed record StoredObject(string Kind, string Namespace, string Name, string Json, DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>The object store as its users see it: what <c>apply</c> and <c>play</c> write, and what volumes and env read.</summary>
public interface IObjectStore
{
    /// <summary>Creates or replaces the object; <see cref="PutOutcome.Unchanged"/> when <paramref name="json"/> is what is stored already.</summary>
    PutOutcome PutObject(string kind, string ns, string name, string json);

    StoredObject? GetObject(string kind, string ns, string name);

    /// <summary>Every object of one kind, by namespace and name.</summary>
    IReadOnlyList<StoredObject> ListObjects(string kind);
}

public sealed partial class StateStore : IObjectStore
{
    public PutOutcome PutObject(string kind, string ns, string name, string json) => InTransaction(() =>
    {
        var now = Time(DateTimeOffset.UtcNow);
        var existing = Scalar("SELECT json FROM objects WHERE kind = $kind AND namespace = $ns AND name = $name",
            ("$kind", kind), ("$ns", ns), ("$name", name));
        if (existing is string stored && stored == json)
        {
            return PutOutcome.Unchanged;
        }
        Exec("""
            INSERT INTO objects(kind, namespace, name, json, created, updated) VALUES ($kind, $ns, $name, $json, $now, $now)
            ON CONFLICT(kind, namespace, name) DO UPDATE SET json = excluded.json, updated = excluded.updated
            """,
            ("$kind", kind), ("$ns", ns), ("$name", name), ("$json", json), ("$now", now));
        return existing is null ? PutOutcome.Created : PutOutcome.Configured;
    });

    public StoredObject? GetObject(string kind, string ns, string name) =>
        ReadObjects("WHERE kind = $kind AND namespace = $ns AND name = $name", ("$kind", kind), ("$ns", ns), ("$name", name)).FirstOrDefault();

    public IReadOnlyList<StoredObject> ListObjects(string kind) =>
        ReadObjects("WHERE kind = $kind ORDER BY namespace, name", ("$kind", kind));

    private List<StoredObject> ReadObjects(string where, params (string Name, object? Value)[] args)
    {
        var cmd = Command("SELECT kind, namespace, name, json, created, updated FROM objects " + where, args);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredObject>();
        while (r.Read())
        {
            list.Add(new StoredObject(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), ParseTime(r.GetString(4)), ParseTime(r.GetString(5))));
        }
        return list;
    }
}
