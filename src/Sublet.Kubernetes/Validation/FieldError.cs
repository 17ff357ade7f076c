using System.Globalization;
using System.Text;

namespace Sublet.Kubernetes.Validation;

/// <summary>One validation error, printed as apimachinery pkg/util/validation/field/errors.go prints it.</summary>
public sealed record FieldError(string Field, string Type, string? Value, string Detail)
{
    public override string ToString()
    {
        var text = $"{Field}: {Type}";
        if (Value is not null) text += $": {Value}";
        return Detail.Length > 0 ? $"{text}: {Detail}" : text;
    }

    public static FieldError Required(string field, string detail = "") => new(field, "Required value", null, detail);
    public static FieldError Forbidden(string field, string detail) => new(field, "Forbidden", null, detail);
    public static FieldError Invalid(string field, object? value, string detail) => new(field, "Invalid value", Format(value), detail);
    public static FieldError Duplicate(string field, object? value) => new(field, "Duplicate value", Format(value), "");
    public static FieldError NotFound(string field, object? value) => new(field, "Not found", Format(value), "");
    public static FieldError TooLong(string field, int max) => new(field, "Too long", null, $"may not be more than {max} bytes");

    /// <summary>field.NotSupported: the supported values quoted, in the order given.</summary>
    public static FieldError NotSupported(string field, object? value, params string[] supported) =>
        new(field, "Unsupported value", Format(value), "supported values: " + string.Join(", ", supported.Select(Quote)));

    /// <summary>Strings as Go's %q, numbers and booleans bare, as errors.go does.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    /// <summary>A []string value as errors.go prints it (%#v).</summary>
    public static string GoStrings(IEnumerable<string> values) => "[]string{" + string.Join(", ", values.Select(Quote)) + "}";

    /// <summary>
    /// strconv.Quote: backslash escapes for quotes and the C escapes, \xNN for other ASCII controls,
    /// \uNNNN or \UNNNNNNNN for runes unicode.IsPrint refuses (spaces but ' ', format, private use).
    /// </summary>
    public static string Quote(string s)
    {
        var text = new StringBuilder("\"");
        foreach (var rune in s.EnumerateRunes())
        {
            text.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                7 => "\\a",
                8 => "\\b",
                12 => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                11 => "\\v",
                < 0x20 or 0x7f => $"\\x{rune.Value:x2}",
                _ when IsPrint(rune) => rune.ToString(),
                < 0x10000 => $"\\u{rune.Value:x4}",
                _ => $"\\U{rune.Value:x8}",
            });
        }
        return text.Append('"').ToString();
    }

    /// <summary>unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrint(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Control
            or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };
}

/// <summary>Errors accumulated over a whole object (every error at once, as the API server reports them).</summary>
public sealed class FieldErrors : List<FieldError>
{
    public void Required(string field, string detail = "") => Add(FieldError.Required(field, detail));
    public void Forbidden(string field, string detail) => Add(FieldError.Forbidden(field, detail));
    public void Invalid(string field, object? value, string detail) => Add(FieldError.Invalid(field, value, detail));
    public void Duplicate(string field, object? value) => Add(FieldError.Duplicate(field, value));
    public void NotFound(string field, object? value) => Add(FieldError.NotFound(field, value));
    public void NotSupported(string field, object? value, params string[] supported) => Add(FieldError.NotSupported(field, value, supported));

    /// <summary>Each message of a pkg/util/validation IsXxx function as an Invalid error.</summary>
    public void Each(string field, object? value, IEnumerable<string> messages)
    {
        foreach (var m in messages) Invalid(field, value, m);
    }

    /// <summary>
    /// "Exactly one of" fields (volume sources, probe handlers): the first set one is handed to
    /// <paramref name="validate"/>, later ones are Forbidden at their own field, none is Required at <paramref name="path"/>.
    /// </summary>
    public void ExactlyOne(string path, string kind, IEnumerable<(string Field, object? Value)> options, Action<string, object> validate)
    {
        var count = 0;
        foreach (var (field, value) in options)
        {
            if (value is null) continue;
            if (count++ > 0) Forbidden($"{path}.{field}", $"may not specify more than 1 {kind}");
            else validate($"{path}.{field}", value);
        }
        if (count == 0) Required(path, $"must specify a {kind}");
    }

    /// <summary>kubectl's rendering of an Invalid status: one error inline, several as a bullet list.</summary>
    public static string Describe(string kind, string name, IReadOnlyList<FieldError> errors) => errors.Count == 1
        ? $"The {kind} \"{name}\" is invalid: {errors[0]}"
        : $"The {kind} \"{name}\" is invalid: \n" + string.Join("\n", errors.Select(e => $"* {e}"));
}
