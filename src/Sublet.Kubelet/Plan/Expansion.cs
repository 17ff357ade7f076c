
namespace Sublet.Kubelet.Plan;

/// <summary>
/// Kubernetes' <c>$(VAR)</c> references in env values, command and args, and in volumeMounts subPathExpr (API reference,
/// "Container.env.value": "Variable references $(VAR_NAME) are expanded using the previously defined
/// environment variables in the container and any service environment variables. If a variable
/// cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced
/// to a single $, which allows for escaping the $(VAR_NAME) syntax").
/// </summary>
public static class Expansion
{
    /// <summary>Expands <paramref name="input"/>; <paramref name="lookup"/> returns null for an unknown name, which is then kept as written.</summary>
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$'))
        {
            return input;
        }
        var output = new System.Text.StringBuilder(input.Length);
        var i = 0;
        while (i < input.Length)
        {
            var c = input[i];
            if (c != '$' || i + 1 == input.Length)
            {
                output.Append(c);
                i++;
                continue;
            }
            var next = input[i + 1];
            if (next == '$')
            {
                output.Append('$'); // "$$" is an escaped "$"
                i += 2;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and >= 0)
            {
                var name = input[(i + 2)..close];
                output.Append(lookup(name) ?? $"$({name})");
                i = close + 1;
            }
            else
            {
                // "$x" and an unclosed "$(" are literal text.
                output.Append('$').Append(next);
                i += 2;
            }
        }
        return output.ToString();
    }
}
