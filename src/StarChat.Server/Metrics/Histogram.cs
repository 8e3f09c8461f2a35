using System.Globalization;
using System.Text;

namespace StarChat.Server.Metrics;

/// <summary>A Prometheus histogram: cumulative bucket counts, sum and count, safe to observe from any thread.</summary>
internal sealed class Histogram(string name, string help, double[] bounds)
{
    private readonly Lock _gate = new();
    private readonly long[] _buckets = new long[bounds.Length];
    private double _sum;
    private long _count;

    public void Observe(double value)
    {
        if (!double.IsFinite(value)) return;
        lock (_gate)
        {
            for (int i = 0; i < bounds.Length; i++)
                if (value <= bounds[i]) _buckets[i]++;
            _sum += value;
            _count++;
        }
    }

    public long Count
    {
        get { lock (_gate) return _count; }
    }

    public void Write(StringBuilder text)
    {
        lock (_gate)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" histogram\n");
            for (int i = 0; i < bounds.Length; i++)
                text.Append(name).Append("_bucket{le=\"").Append(Format(bounds[i])).Append("\"} ").Append(_buckets[i]).Append('\n');
            text.Append(name).Append("_bucket{le=\"+Inf\"} ").Append(_count).Append('\n');
            text.Append(name).Append("_sum ").Append(Format(_sum)).Append('\n');
            text.Append(name).Append("_count ").Append(_count).Append('\n');
        }
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
