namespace Sublet.Cri.Mapping;

/// <summary>CRI filters' label_selector: every pair must be present with that value (AND), as the proto says.</summary>
internal static class LabelSelector
{
    public static bool Matches(IDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
