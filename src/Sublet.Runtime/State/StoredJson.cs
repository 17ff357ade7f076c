using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sublet.Runtime.State;

/// <summary>
/// A type the store keeps as JSON: written by System.Text.Json's generated fast-path writer, read
/// by its generated metadata, and the objects this process wrote handed back when it reads their
/// text again.
/// </summary>
/// <remarks>
/// System.Text.Json configures a type's metadata the first time it is used: a converter for each
/// type the graph reaches (each constructor asks reflection for its Assembly) and each type's
/// polymorphism attributes looked up. For a pod's plan or a container's config that was 2-3 ms of
/// every <c>play</c>, and fresh heap pages with it (docs/benchmarks.md §6l). The fast-path writer
/// (a context with <c>GenerationMode = Serialization</c>) needs none of that, and a pod start reads
/// back only what it has just written, so a start never configures the metadata at all. Another
/// process, such as an exit hook, reads the text as ever. An object handed to <see cref="Write"/>
/// must not change afterwards: readers on any thread share it. The types stored are init-only records.
/// </remarks>
public sealed class StoredJson<T> where T : class
{
    /// <summary>How many written objects are remembered: a pod start writes one plan, one sandbox and a few containers.</summary>
    private const int Remembered = 16;

    private readonly JsonTypeInfo<T> _writer;
    private readonly Func<JsonTypeInfo<T>> _reader;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _written = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <param name="writer">The type from a context generated for serialization only (the fast path).</param>
    /// <param name="reader">The type from a context with metadata, asked for only when text this process did not write is read.</param>
    public StoredJson(JsonTypeInfo<T> writer, Func<JsonTypeInfo<T>> reader)
    {
        _writer = writer;
        _reader = reader;
    }

    public string Write(T value)
    {
        var json = JsonSerializer.Serialize(value, _writer);
        lock (_lock)
        {
            // The latest object of a text: the one its writer goes on to use.
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_written, json, out var known);
            slot = value;
            if (!known)
            {
                _order.Enqueue(json);
                if (_order.Count > Remembered)
                {
                    _written.Remove(_order.Dequeue());
                }
            }
        }
        return json;
    }

    /// <summary>The object <paramref name="json"/> holds; the very one written, when this process wrote that text.</summary>
    /// <exception cref="JsonException">Not JSON of <typeparamref name="T"/>.</exception>
    public T? Read(string json)
    {
        lock (_lock)
        {
            if (_written.TryGetValue(json, out var known))
            {
                return known;
            }
        }
        return JsonSerializer.Deserialize(json, _reader());
    }
}
