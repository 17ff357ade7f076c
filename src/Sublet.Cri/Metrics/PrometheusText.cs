using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Sublet.Cri.Metrics;

/// <summary>
/// Renders the <see cref="CriMetrics.MeterName"/> instruments in the Prometheus text exposition
/// format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats): counters as <c>_total</c>
/// series, histograms as cumulative <c>_bucket{le=…}</c>, <c>_sum</c> and <c>_count</c>. Written here
/// rather than taken from OpenTelemetry's exporter, which is still a beta package (wave2.md §7.4):
/// a MeterListener and a hundred lines cover what Sublet exports.
/// </summary>
public sealed class PrometheusText : IDisposable
{
    /// <summary>Upper bounds in seconds: CRI calls range from sub-millisecond lists to pod starts of seconds.</summary>
    public static readonly double[] Buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), Series> _series = new();
    private readonly ConcurrentDictionary<string, (string Type, string Help)> _meta = new();

    public PrometheusText()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CriMetrics.MeterName)
            {
                _meta[instrument.Name] = (instrument is Histogram<double> ? "histogram" : "counter", instrument.Description ?? "");
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Get(instrument.Name, tags).Add(value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Get(instrument.Name, tags).Observe(value));
        _listener.Start();
    }

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var name in _meta.Keys.Order(StringComparer.Ordinal))
        {
            var (type, help) = _meta[name];
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var ((_, labels), series) in _series.Where(s => s.Key.Name == name).OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                series.Write(text, name, labels, type == "histogram");
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private Series Get(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<string>(tags.Length);
        foreach (var tag in tags)
        {
            pairs.Add($"{tag.Key}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\"");
        }
        pairs.Sort(StringComparer.Ordinal);
        return _series.GetOrAdd((name, string.Join(',', pairs)), _ => new Series());
    }

    /// <summary>Label values escape backslash, double quote and newline (exposition format).</summary>
    internal static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class Series
    {
        private readonly Lock _gate = new();
        private readonly long[] _buckets = new long[Buckets.Length];
        private double _sum;
        private long _count;

        public void Add(long value)
        {
            lock (_gate)
            {
                _sum += value;
            }
        }

        public void Observe(double value)
        {
            lock (_gate)
            {
                _sum += value;
                _count++;
                for (var i = 0; i < Buckets.Length; i++)
                {
                    if (value <= Buckets[i])
                    {
                        _buckets[i]++;
                    }
                }
            }
        }

        public void Write(StringBuilder text, string name, string labels, bool histogram)
        {
            lock (_gate)
            {
                if (!histogram)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}{Braces(labels)} {_sum}\n");
                    return;
                }
                var prefix = labels.Length > 0 ? labels + "," : "";
                for (var i = 0; i < Buckets.Length; i++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{Buckets[i]}\"}} {_buckets[i]}\n");
                }
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"+Inf\"}} {_count}\n");
                text.Append(CultureInfo.InvariantCulture, $"{name}_sum{Braces(labels)} {_sum}\n");
                text.Append(CultureInfo.InvariantCulture, $"{name}_count{Braces(labels)} {_count}\n");
            }
        }

        private static string Braces(string labels) => labels.Length > 0 ? "{" + labels + "}" : "";
    }
}
