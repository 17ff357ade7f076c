using Sublet.Runtime.State;

namespace Sublet.Kubernetes.Tests;

/// <summary>An in-memory <see cref="IObjectStore"/> with the database's created/configured/unchanged answers.</summary>
internal sealed class MemoryObjectStore : IObjectStore
{
    private readonly Dictionary<(string, string, string), StoredObject> _objects = [];

    public PutOutcome PutObject(string kind, string ns, string name, string json)
    {
        var key = (kind, ns, name);
        var existing = _objects.GetValueOrDefault(key);
        if (existing?.Json == json)
        {
            return PutOutcome.Unchanged;
        }
        var now = DateTimeOffset.UtcNow;
        _objects[key] = new StoredObject(kind, ns, name, json, existing?.Created ?? now, now);
        return existing is null ? PutOutcome.Created : PutOutcome.Configured;
    }

    public StoredObject? GetObject(string kind, string ns, string name) => _objects.GetValueOrDefault((kind, ns, name));

    public IReadOnlyList<StoredObject> ListObjects(string kind) =>
        _objects.Values.Where(o => o.Kind == kind).OrderBy(o => o.Namespace).ThenBy(o => o.Name).ToList();
}
