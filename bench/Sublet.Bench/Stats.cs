using System.Globalization;

namespace Sublet.Bench;

/// <summary>Order statistics of one series of timings, in milliseconds.</summary>
internal sealed class Series(string name)
{
    private readonly List<double> _ms = [];

    public string Name { get; } = name;
    public int Count => _ms.Count;
    public void Add(TimeSpan t) => _ms.Add(t.TotalMilliseconds);
    public void AddMs(double ms) => _ms.Add(ms);

    public double Median => Percentile(0.5);
    public double P90 => Percentile(0.9);
    public double Min => _ms.Count == 0 ? double.NaN : _ms.Min();
    public double Max => _ms.Count == 0 ? double.NaN : _ms.Max();

    /// <summary>Linear interpolation between closest ranks (numpy's default), so the median of an even count is the mean of the middle two.</summary>
    public double Percentile(double p)
    {
        if (_ms.Count == 0) return double.NaN;
        var sorted = _ms.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static string Ms(double ms) => ms >= 100
        ? ms.ToString("F0", CultureInfo.InvariantCulture)
        : ms >= 10 ? ms.ToString("F1", CultureInfo.InvariantCulture) : ms.ToString("F2", CultureInfo.InvariantCulture);

    public static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture);

    public static void PrintTable(string title, IEnumerable<Series> series)
    {
        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| series | n | median ms | p90 ms | min ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var s in series)
        {
            Console.WriteLine($"| {s.Name} | {s.Count} | {Ms(s.Median)} | {Ms(s.P90)} | {Ms(s.Min)} | {Ms(s.Max)} |");
        }
    }
}
