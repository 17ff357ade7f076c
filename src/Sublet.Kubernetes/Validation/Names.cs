using System.Text.RegularExpressions;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// The IsXxx name checks of apimachinery pkg/util/validation/validation.go, with upstream's messages.
/// The patterns end in \z: Go's $ is the end of the text, .NET's $ also matches before a final newline.
/// </summary>
public static partial class Names
{
    private const string QualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string QualifiedNameError = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    private const string LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string SubdomainFmt = LabelFmt + "(\\." + LabelFmt + ")*";

    /// <summary>IsDNS1123Label: the length and the form are both reported; a valid subdomain with dots says so.</summary>
    public static IEnumerable<string> Label(string value)
    {
        if (value.Length > 63) yield return "must be no more than 63 characters";
        if (LabelRegex().IsMatch(value)) yield break;
        yield return SubdomainRegex().IsMatch(value) ? "must not contain dots"
            : RegexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", LabelFmt, "my-name", "123-abc");
    }

    /// <summary>IsDNS1123Subdomain: the length and the form are both reported.</summary>
    public static IEnumerable<string> Subdomain(string value)
    {
        if (value.Length > 253) yield return "must be no more than 253 characters";
        if (!SubdomainRegex().IsMatch(value))
            yield return RegexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", SubdomainFmt, "example.com");
    }

    private const string UnderscoreLabelFmt = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
    private const string UnderscoreSubdomainFmt = UnderscoreLabelFmt + "(\\." + UnderscoreLabelFmt + ")*";

    /// <summary>IsDNS1123SubdomainWithUnderscore (DNS search paths).</summary>
    public static IEnumerable<string> SubdomainWithUnderscore(string value)
    {
        if (value.Length > 253) yield return "must be no more than 253 characters";
        if (!UnderscoreSubdomainRegex().IsMatch(value))
            yield return RegexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character", UnderscoreSubdomainFmt, "example.com");
    }

    /// <summary>IsQualifiedName: [prefix/]name, the prefix a DNS subdomain, the name at most 63 characters.</summary>
    public static IEnumerable<string> QualifiedName(string value)
    {
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0) yield return "prefix part must be non-empty";
                else foreach (var m in Subdomain(parts[0])) yield return "prefix part " + m;
                break;
            default:
                yield return "a qualified name " + RegexError(QualifiedNameError, QualifiedNameFmt, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
                yield break;
        }
        if (name.Length == 0) yield return "name part must be non-empty";
        else if (name.Length > 63) yield return "name part must be no more than 63 characters";
        // An empty name part fails the regex too, and upstream reports both.
        if (!QualifiedNameRegex().IsMatch(name)) yield return "name part " + RegexError(QualifiedNameError, QualifiedNameFmt, "MyName", "my.name", "123-abc");
    }

    /// <summary>IsValidLabelValue.</summary>
    public static IEnumerable<string> LabelValue(string value)
    {
        if (value.Length > 63) yield return "must be no more than 63 characters";
        if (!LabelValueRegex().IsMatch(value))
            yield return RegexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                "(" + QualifiedNameFmt + ")?", "MyValue", "my_value", "12345");
    }

    /// <summary>IsValidPortName (IANA_SVC_NAME).</summary>
    public static IEnumerable<string> PortName(string port)
    {
        if (port.Length < 1 || port.Length > 15) yield return "must be no more than 15 characters";
        if (!PortNameCharsRegex().IsMatch(port)) yield return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
        if (!PortNameOneLetterRegex().IsMatch(port)) yield return "must contain at least one letter (a-z)";
        if (port.Contains("--")) yield return "must not contain consecutive hyphens";
        if (port.Length > 0 && (port[0] == '-' || port[^1] == '-')) yield return "must not begin or end with a hyphen";
    }

    /// <summary>IsValidPortNum.</summary>
    public static IEnumerable<string> PortNumber(long port) =>
        port is >= 1 and <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];

    /// <summary>IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, GA in 1.34): printable ASCII but '='.</summary>
    public static IEnumerable<string> EnvVarName(string value) =>
        value.Length > 0 && value.All(c => c is >= ' ' and <= '~' && c != '=') ? []
            : ["a valid environment variable name must consist only of printable ASCII characters other than '='"];

    /// <summary>IsHTTPHeaderName: Go's net/http header field names.</summary>
    public static IEnumerable<string> HttpHeaderName(string value) =>
        HttpHeaderRegex().IsMatch(value) ? [] : [RegexError("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name")];

    /// <summary>IsConfigMapKey (secret and configMap item keys).</summary>
    public static IEnumerable<string> ConfigMapKey(string value)
    {
        if (value.Length > 253) yield return "must be no more than 253 characters";
        if (!ConfigMapKeyRegex().IsMatch(value))
            yield return RegexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+", "key.name", "KEY_NAME", "key-name");
        if (value == ".") yield return "must not be '.'";
        else if (value == "..") yield return "must not be '..'";
        else if (value.StartsWith("..")) yield return "must not start with '..'";
    }

    /// <summary>IsInRange for IDs (runAsUser, runAsGroup, fsGroup, supplementalGroups).</summary>
    public static IEnumerable<string> Id(long id) =>
        id is >= 0 and <= int.MaxValue ? [] : ["must be between 0 and 2147483647, inclusive"];

    /// <summary>validation.RegexError: "MSG (e.g. 'A',  or 'B', regex used for validation is 'R')".</summary>
    private static string RegexError(string msg, string fmt, params string[] examples) =>
        $"{msg} (e.g. {string.Join(",  or ", examples.Select(e => $"'{e}'"))}, regex used for validation is '{fmt}')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex SubdomainRegex();

    [GeneratedRegex("^_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex UnderscoreSubdomainRegex();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\\z")]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^[-a-z0-9]+\\z")]
    private static partial Regex PortNameCharsRegex();

    [GeneratedRegex("^[-A-Za-z0-9]+\\z")]
    private static partial Regex HttpHeaderRegex();

    [GeneratedRegex("[a-z]")]
    private static partial Regex PortNameOneLetterRegex();

    [GeneratedRegex("^[-._a-zA-Z0-9]+\\z")]
    private static partial Regex ConfigMapKeyRegex();
}
