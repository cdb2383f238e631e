using FunctionsMl.Engine.Trainers.Gbdt.Binning;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Gbdt;

public sealed class QuantileBinnerTests
{
    [Fact]
    public void UpperBounds_FewDistinctValues_OneBinEachWithMidpoints()
    {
        float[] values = [3, 1, 2, 1, 3, 3];

        var bounds = QuantileBinner.UpperBounds(values, maxBins: 255);

        Assert.Equal([1.5f, 2.5f, float.PositiveInfinity], bounds);
    }

    [Fact]
    public void UpperBounds_ManyDistinctValues_AtMostMaxBinsOfSimilarSize()
    {
        var values = Enumerable.Range(0, 10_000).Select(i => (float)i).ToArray();

        var bounds = QuantileBinner.UpperBounds(values.ToArray(), maxBins: 10);

        Assert.Equal(10, bounds.Length);
        var bins = new FeatureBins(bounds, hasMissing: false);
        var sizes = values.GroupBy(bins.BinOf).Select(group => group.Count()).ToArray();
        Assert.All(sizes, size => Assert.InRange(size, 900, 1100));
    }

    [Fact]
    public void UpperBounds_OneHeavyValue_GetsABinOfItsOwn()
    {
        // Half the rows are 0 (as in sparse one-hot or hashed features); the rest spread out.
        var values = Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? 0f : i).ToArray();

        var bounds = QuantileBinner.UpperBounds(values, maxBins: 16);

        var bins = new FeatureBins(bounds, hasMissing: false);
        Assert.NotEqual(bins.BinOf(0), bins.BinOf(1));
        Assert.True(bounds.Length <= 16);
    }

    [Fact]
    public void UpperBounds_AdjacentFloats_ThresholdSeparatesThem()
    {
        var low = 1f;
        var high = MathF.BitIncrement(low);

        var bounds = QuantileBinner.UpperBounds(new[] { low, high }, maxBins: 255);

        Assert.True(low <= bounds[0] && high > bounds[0]);
    }

    [Fact]
    public void BinOf_RandomValues_AgreesWithThresholds()
    {
        var random = new Random(1);
        var sample = Enumerable.Range(0, 5000).Select(_ => (float)(random.NextDouble() * 100) - 50).ToArray();
        var bins = new FeatureBins(QuantileBinner.UpperBounds(sample.ToArray(), maxBins: 37), hasMissing: false);

        foreach (var value in sample.Concat([float.NegativeInfinity, float.PositiveInfinity, -0f, 0f, 1e30f, -1e30f]))
        {
            var bin = bins.BinOf(value);
            Assert.InRange(bin, 1, bins.ValueBinCount);
            // The invariant splits rely on: bin <= b exactly when value <= threshold of b.
            for (var b = 1; b <= bins.ValueBinCount; b++)
            {
                Assert.Equal(bin <= b, value <= bins.ThresholdOf(b));
            }
        }

        Assert.Equal(0, bins.BinOf(float.NaN));
    }

    [Fact]
    public void RadixSort_MixedSigns_SortsLikeArraySort()
    {
        var random = new Random(2);
        var values = Enumerable.Range(0, 3000).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6)))).ToArray();
        values[0] = float.NegativeInfinity;
        values[1] = float.PositiveInfinity;
        values[2] = -0f;
        var expected = values.ToArray();
        Array.Sort(expected);

        QuantileBinner.RadixSort(values);

        Assert.Equal(expected.Select(v => v == 0 ? 0 : v), values.Select(v => v == 0 ? 0 : v));
    }

    [Fact]
    public void Fit_ColumnWithMissingValues_MarksThemAndBinsTheRest()
    {
        // Columns (1, 2, 3) and (NaN, 5, 7).
        var matrix = new FeatureMatrix([1, float.NaN, 2, 5, 3, 7], rowCount: 3, columnCount: 2);

        var bins = QuantileBinner.Fit(matrix, maxBins: 255, seed: 1, new ParallelOptions());

        Assert.False(bins[0].HasMissing);
        Assert.True(bins[1].HasMissing);
        Assert.Equal([1.5f, 2.5f, float.PositiveInfinity], bins[0].UpperBounds);
        Assert.Equal([6f, float.PositiveInfinity], bins[1].UpperBounds);
        Assert.Equal([0, 1, 2], new[] { float.NaN, 5f, 7f }.Select(bins[1].BinOf));
    }
}
