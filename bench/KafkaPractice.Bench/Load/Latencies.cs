using System.Diagnostics;

namespace KafkaPractice.Bench.Load;

/// <summary>Latency samples in milliseconds, thread-safe to add to; percentiles by sorting (runs are small).</summary>
public sealed class Latencies
{
    private readonly List<double> _samples = [];
    private readonly Lock _gate = new();
    private double _windowMax;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _samples.Count;
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (_gate)
        {
            _samples.Add(milliseconds);
            _windowMax = Math.Max(_windowMax, milliseconds);
        }
    }

    /// <summary>The largest sample added since the last call (0 if none), for a per-second progress line.</summary>
    public double TakeWindowMax()
    {
        lock (_gate)
        {
            var max = _windowMax;
            _windowMax = 0;
            return max;
        }
    }

    public void AddSince(long startTimestamp) => Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public LatencySummary Summarize()
    {
        double[] sorted;
        lock (_gate)
        {
            sorted = [.. _samples];
        }
        Array.Sort(sorted);
        return sorted.Length == 0
            ? new LatencySummary(0, 0, 0, 0)
            : new LatencySummary(sorted.Length, At(sorted, 0.50), At(sorted, 0.99), sorted[^1]);
    }

    private static double At(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

public readonly record struct LatencySummary(int Count, double P50, double P99, double Max)
{
    public override string ToString() => $"p50 {P50:F1} ms, p99 {P99:F1} ms, max {Max:F1} ms";
}
