using System.Globalization;
using System.Text.RegularExpressions;
using Sublet.Runtime.Config;

namespace Sublet.Runtime.Logs;

/// <summary>
/// When container logs rotate and how many files are kept: the kubelet's containerLogMaxSize,
/// containerLogMaxFiles and containerLogMonitorInterval (pkg/kubelet/logs/container_log_manager.go).
/// </summary>
public sealed partial record LogPolicy(long MaxBytes, int MaxFiles, TimeSpan MonitorInterval)
{
    /// <summary>Below this the checks would cost more than they save (the kubelet's own floor is 3 s; tests need less).</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The policy of a validated configuration.</summary>
    public static LogPolicy From(NodeConfig config) =>
        new(ParseQuantity(config.ContainerLogMaxSize) ?? throw new ArgumentException(config.ContainerLogMaxSize),
            config.ContainerLogMaxFiles,
            ParseDuration(config.ContainerLogMonitorInterval) ?? throw new ArgumentException(config.ContainerLogMonitorInterval));

    /// <summary>What is wrong with the log settings of <paramref name="config"/>, in the API's field form.</summary>
    public static IEnumerable<string> Problems(NodeConfig config)
    {
        if (ParseQuantity(config.ContainerLogMaxSize) is not > 0)
            yield return $"containerLogMaxSize: Invalid value: \"{config.ContainerLogMaxSize}\": must be a positive quantity of bytes, such as 10Mi";
        // kubelet validation: "containerLogMaxFiles ... must be greater than 1".
        if (config.ContainerLogMaxFiles < 2)
            yield return $"containerLogMaxFiles: Invalid value: {config.ContainerLogMaxFiles}: must be greater than 1";
        if (ParseDuration(config.ContainerLogMonitorInterval) is not { } interval || interval < MinimumInterval)
            yield return $"containerLogMonitorInterval: Invalid value: \"{config.ContainerLogMonitorInterval}\": must be a duration of at least 100ms, such as 10s";
    }

    /// <summary>A Kubernetes quantity of bytes: plain, binary (Ki, Mi, Gi, Ti) or decimal (k, M, G, T) suffixes.</summary>
    public static long? ParseQuantity(string text)
    {
        var m = QuantityPattern().Match(text.Trim());
        if (!m.Success || !decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }
        decimal factor = m.Groups[2].Value switch
        {
            "" => 1, "k" => 1e3m, "M" => 1e6m, "G" => 1e9m, "T" => 1e12m,
            "Ki" => 1L << 10, "Mi" => 1L << 20, "Gi" => 1L << 30, "Ti" => 1L << 40,
            _ => 0,
        };
        var bytes = number * factor;
        return bytes is >= 1 and <= long.MaxValue / 4 ? (long)Math.Ceiling(bytes) : null;
    }

    /// <summary>A Go duration of one or more parts ("10s", "1m30s", "250ms"), as the kubelet's configuration writes them.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var parts = DurationPattern().Matches(text.Trim());
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != text.Trim())
        {
            return null;
        }
        var total = TimeSpan.Zero;
        foreach (Match part in parts)
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.FromMicroseconds(value),
            };
        }
        return total;
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")]
    private static partial Regex QuantityPattern();

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs)")]
    private static partial Regex DurationPattern();
}
