using System.Globalization;

namespace Sublet.IdMapping;

/// <summary>Line splitting and strict number parsing shared by the subid and uid_map parsers.</summary>
internal static class TextLines
{
    /// <summary>Each line with its 1-based number, trimmed (tolerates CRLF and trailing blanks).</summary>
    public static IEnumerable<(int Number, string Text)> Numbered(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            yield return (i + 1, lines[i].Trim());
        }
    }

    /// <summary>Decimal digits only: no sign, no blanks, no hex, like shadow-utils' strict getulong.</summary>
    public static bool TryParseUInt32(string s, out uint value) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <inheritdoc cref="TryParseUInt32"/>
    public static bool TryParseUInt64(string s, out ulong value) =>
        ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
