namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// Histogram buckets whose widths grow geometrically, so every value from <c>min</c> to <c>max</c> is kept
/// to within a fixed relative error with a few hundred counters and an increment per value. A quantile read
/// from them is the geometric middle of its bucket: within <c>√ratio − 1</c> (4.9% for a ratio of 1.1) of the
/// exact order statistic.
/// </summary>
/// <remarks>
/// Positive layout: bucket 0 holds values ≤ min, bucket i (1..n) holds (min·ratio^(i−1), min·ratio^i], bucket
/// n+1 holds values above min·ratio^n (≥ max). The signed layout mirrors it around one bucket for values whose
/// magnitude is ≤ min, so bucket order is value order and quantiles walk it from the left.
/// </remarks>
public sealed class LogBuckets
{
    private readonly double _min;
    private readonly double _ratio;
    private readonly double _inverseLogRatio;
    private readonly int _steps;

    /// <param name="min">Smallest magnitude told apart from zero; positive.</param>
    /// <param name="max">Largest magnitude told apart from larger ones; above <paramref name="min"/>.</param>
    /// <param name="ratio">Upper over lower bound of each bucket; above 1.</param>
    /// <param name="signed">Whether negative values are kept too (mirrored buckets).</param>
    public LogBuckets(double min, double max, double ratio, bool signed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, min);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratio, 1);
        _min = min;
        _ratio = ratio;
        _inverseLogRatio = 1 / Math.Log(ratio);
        _steps = (int)Math.Ceiling(Math.Log(max / min) * _inverseLogRatio);
        Signed = signed;
        Count = signed ? (2 * (_steps + 1)) + 1 : _steps + 2;
    }

    /// <summary>Latencies in microseconds, 1 µs to 100 s, to within 4.9%.</summary>
    public static LogBuckets Latency { get; } = new(1, 1e8, 1.1, signed: false);

    /// <summary>Regression outputs, magnitudes 1e-4 to 1e9 either side of zero, to within 4.9%.</summary>
    public static LogBuckets Values { get; } = new(1e-4, 1e9, 1.1, signed: true);

    public bool Signed { get; }

    /// <summary>Counters a histogram with this layout needs.</summary>
    public int Count { get; }

    /// <summary>The bucket of <paramref name="value"/>; NaN has none (-1). Negative values of an unsigned layout count as ≤ min.</summary>
    public int IndexOf(double value)
    {
        if (double.IsNaN(value))
        {
            return -1;
        }

        if (!Signed)
        {
            return PositiveIndex(value);
        }

        var center = _steps + 1;
        return value >= 0 ? center + PositiveIndex(value) : center - PositiveIndex(-value);
    }

    /// <summary>The value bucket <paramref name="index"/> stands for: the geometric middle of its bounds.</summary>
    public double ValueOf(int index)
    {
        if (!Signed)
        {
            return PositiveValue(index);
        }

        var center = _steps + 1;
        return index >= center ? PositiveValue(index - center) : -PositiveValue(center - index);
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0–1) of the values counted in <paramref name="counts"/>, by the
    /// nearest-rank rule: the value of the bucket holding the ⌈q·n⌉-th smallest value. Null when empty.
    /// </summary>
    public double? Quantile(ReadOnlySpan<long> counts, double quantile)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return ValueOf(i);
            }
        }

        return ValueOf(counts.Length - 1);
    }

    private int PositiveIndex(double value)
    {
        if (value <= _min)
        {
            return 0;
        }

        var step = Math.Ceiling(Math.Log(value / _min) * _inverseLogRatio);
        return step > _steps ? _steps + 1 : Math.Max(1, (int)step);
    }

    private double PositiveValue(int index) => index switch
    {
        <= 0 => Signed ? 0 : _min,
        _ when index > _steps => _min * Math.Pow(_ratio, _steps),
        _ => _min * Math.Pow(_ratio, index - 0.5),
    };
}
