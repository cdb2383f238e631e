using FunctionsMl.Serving.Monitoring;

namespace FunctionsMl.Serving.Tests.Monitoring;

public sealed class LogBucketsTests
{
    [Fact]
    public void IndexOf_IncreasingValues_NeverDecreases()
    {
        var layout = LogBuckets.Values;
        var magnitudes = Enumerable.Range(-160, 321).Select(e => Math.Pow(1.15, e)).ToList();
        var values = magnitudes.Select(m => -m).Append(0).Concat(magnitudes).Order().ToList();

        var indexes = values.Select(layout.IndexOf).ToList();

        Assert.Equal(indexes.Order(), indexes);
        Assert.True(indexes.Distinct().Count() > 200, "the values should spread over many buckets");
    }

    [Theory]
    [InlineData(0.003)]
    [InlineData(1)]
    [InlineData(12.5)]
    [InlineData(999_999)]
    [InlineData(-42)]
    public void ValueOf_IndexOf_IsWithinTheRelativeError(double value)
    {
        var layout = LogBuckets.Values;

        var back = layout.ValueOf(layout.IndexOf(value));

        Assert.InRange(back / value, 1 / Math.Sqrt(1.1), Math.Sqrt(1.1));
    }

    [Fact]
    public void Quantile_KnownValues_WithinTheBucketError()
    {
        var layout = LogBuckets.Latency;
        var counts = new long[layout.Count];
        for (var micros = 1_000; micros <= 1_000_000; micros += 1_000)
        {
            counts[layout.IndexOf(micros)]++;
        }

        // 1,000 values 1 ms .. 1 s: the nearest-rank median is the 500th, 500 ms; p99 is the 990th, 990 ms.
        Assert.InRange(layout.Quantile(counts, 0.5)!.Value, 500_000 / 1.05, 500_000 * 1.05);
        Assert.InRange(layout.Quantile(counts, 0.99)!.Value, 990_000 / 1.05, 990_000 * 1.05);
        Assert.Null(layout.Quantile(new long[layout.Count], 0.5));
    }

    [Fact]
    public void IndexOf_OutOfRange_LandsInTheEndBuckets()
    {
        var layout = LogBuckets.Latency;

        Assert.Equal(0, layout.IndexOf(0.2));
        Assert.Equal(layout.Count - 1, layout.IndexOf(1e12));
        Assert.Equal(-1, layout.IndexOf(double.NaN));
    }
}
