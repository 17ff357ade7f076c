using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// Types a YAML scalar the way Kubernetes' YAML reader does before it becomes JSON:
/// sigs.k8s.io/yaml with go-yaml v3 resolution, the YAML 1.2 core schema
/// (yaml.org/spec/1.2.2 §10.3.2). Only <c>true</c>/<c>false</c> (three spellings each) are
/// booleans, so <c>yes</c>, <c>no</c>, <c>on</c>, <c>off</c> and <c>y</c> stay strings; quoted and
/// block scalars are always strings; <c>0644</c> is still octal 420 (go-yaml v3 keeps YAML 1.1
/// octals "for compatibility", and pod manifests rely on it for <c>defaultMode</c>); timestamps
/// stay strings (go-yaml v3 decodes them into <c>interface{}</c> as strings).
/// </summary>
internal static class YamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    /// <summary>Writes <paramref name="scalar"/> as the JSON value it resolves to.</summary>
    /// <exception cref="YamlJsonException">An explicit tag (<c>!!int</c>, …) the value does not fit.</exception>
    public static void Write(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is not null && tag.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            WriteTagged(writer, scalar, text, tag[TagPrefix.Length..]);
            return;
        }
        // A non-specific tag ("!") or a quoted/block style: a string, whatever it looks like (YAML 1.2 §6.9.1).
        if (tag is not null || scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            writer.WriteStringValue(text);
            return;
        }
        WritePlain(writer, text);
    }

    private static void WriteTagged(Utf8JsonWriter writer, YamlScalarNode scalar, string text, string tag)
    {
        switch (tag)
        {
            case "str":
                writer.WriteStringValue(text);
                return;
            case "null" when IsNull(text):
                writer.WriteNullValue();
                return;
            case "bool" when TryBool(text, out var b):
                writer.WriteBooleanValue(b);
                return;
            case "int" when TryInt(text, out var i):
                writer.WriteNumberValue(i);
                return;
            case "float" when TryInt(text, out var whole):
                writer.WriteNumberValue(whole);
                return;
            case "float" when TryFloat(text, out var f):
                WriteFloat(writer, f);
                return;
            case "null" or "bool" or "int" or "float":
                throw new YamlJsonException(scalar.Start, $"cannot decode !!{tag} `{text}`");
            default:
                writer.WriteStringValue(text); // !!timestamp, !!binary, …: the text, as sigs.k8s.io/yaml passes them on
                return;
        }
    }

    private static void WritePlain(Utf8JsonWriter writer, string text)
    {
        if (IsNull(text))
        {
            writer.WriteNullValue();
        }
        else if (TryBool(text, out var b))
        {
            writer.WriteBooleanValue(b);
        }
        else if (TryInt(text, out var i))
        {
            writer.WriteNumberValue(i);
        }
        else if (TryFloat(text, out var f) && double.IsFinite(f))
        {
            WriteFloat(writer, f);
        }
        else
        {
            // .inf and .nan have no JSON form; Go's encoder refuses them too, so pass the text on.
            writer.WriteStringValue(text);
        }
    }

    /// <summary>Go's encoding/json writes a float64 without a fraction when it has none (1.0 → 1), so an int field accepts it.</summary>
    private static void WriteFloat(Utf8JsonWriter writer, double f)
    {
        if (Math.Abs(f) < 1e15 && f == Math.Floor(f))
        {
            writer.WriteNumberValue((long)f);
        }
        else
        {
            writer.WriteRawValue(f.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
        }
    }

    internal static bool IsNull(string s) => s is "" or "~" or "null" or "Null" or "NULL";

    internal static bool TryBool(string s, out bool value)
    {
        value = s is "true" or "True" or "TRUE";
        return value || s is "false" or "False" or "FALSE";
    }

    /// <summary>
    /// go-yaml v3 resolves ints with Go's <c>strconv.ParseInt(s, 0, 64)</c>: an optional sign, then
    /// decimal, <c>0x</c> hex, <c>0o</c> or leading-<c>0</c> octal, or <c>0b</c> binary.
    /// </summary>
    internal static bool TryInt(string s, out long value)
    {
        value = 0;
        var span = s.AsSpan();
        var negative = false;
        if (span.Length > 0 && span[0] is '+' or '-')
        {
            negative = span[0] == '-';
            span = span[1..];
        }
        var radix = 10;
        if (span.Length > 1 && span[0] == '0')
        {
            radix = span[1] switch
            {
                'x' or 'X' => 16,
                'o' or 'O' => 8,
                'b' or 'B' => 2,
                _ => 8, // a leading 0: YAML 1.1 octal
            };
            span = span[1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B' ? span[2..] : span[1..];
        }
        if (span.IsEmpty)
        {
            return false;
        }
        ulong magnitude = 0;
        foreach (var c in span)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }
            try
            {
                magnitude = checked(magnitude * (ulong)radix + (ulong)digit);
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
        {
            return false;
        }
        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>
    /// go-yaml v3's float pattern <c>^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$</c>,
    /// plus <c>.inf</c>, <c>-.inf</c> and <c>.nan</c> in their three spellings.
    /// </summary>
    internal static bool TryFloat(string s, out double value)
    {
        value = 0;
        switch (s)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                value = double.NegativeInfinity;
                return true;
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
        }
        if (!LooksLikeFloat(s))
        {
            return false;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool LooksLikeFloat(string s)
    {
        var i = 0;
        if (i < s.Length && s[i] is '+' or '-') i++;
        var intDigits = Digits(s, ref i);
        var fracDigits = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            fracDigits = Digits(s, ref i);
            if (intDigits == 0 && fracDigits == 0) return false;
        }
        else if (intDigits == 0)
        {
            return false;
        }
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            if (Digits(s, ref i) == 0) return false;
        }
        return i == s.Length;
    }

    private static int Digits(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i - start;
    }
}
