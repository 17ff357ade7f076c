using System.Text.RegularExpressions;

namespace Sublet.Kubernetes.Manifests;

/// <summary>DNS name rules of apimachinery pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain), with upstream's messages.</summary>
public static partial class Dns1123
{
    public static string? Label(string value)
    {
        if (value.Length > 63) return "must be no more than 63 characters";
        return LabelRegex().IsMatch(value) ? null
            : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }

    public static string? Subdomain(string value)
    {
        if (value.Length > 253) return "must be no more than 253 characters";
        return SubdomainRegex().IsMatch(value) ? null
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainRegex();
}
