using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sublet.Cli.Output;

/// <summary>kubectl-style plain columns for people; <c>-o json</c> for scripts.</summary>
internal static class Table
{
    public static void Write(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = headers.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in all)
        {
            for (var i = 0; i < row.Count; i++)
            {
                sb.Append(i == row.Count - 1 ? row[i] : row[i].PadRight(widths[i] + 3));
            }
            Console.WriteLine(sb.ToString().TrimEnd());
            sb.Clear();
        }
    }

    /// <summary>camelCase, nulls left out, enums by name; the serializers are <see cref="CliJson"/>'s, generated at build time.</summary>
    public static readonly JsonSerializerOptions Json = new(CliJson.Default.Options)
    {
        // Output for scripts and people, not for embedding in HTML: keep quotes and apostrophes readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Json.GetTypeInfo(typeof(T)));

    public static void WriteJson<T>(T value) => Console.WriteLine(ToJson(value));

    public static string Age(DateTimeOffset since, DateTimeOffset now)
    {
        var span = now - since;
        return span.TotalSeconds < 120 ? $"{Math.Max(0, (int)span.TotalSeconds)}s"
            : span.TotalMinutes < 120 ? $"{(int)span.TotalMinutes}m"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours}h"
            : $"{(int)span.TotalDays}d";
    }
}
