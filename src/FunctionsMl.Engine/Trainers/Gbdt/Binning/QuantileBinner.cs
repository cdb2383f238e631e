using System.Runtime.CompilerServices;
using FunctionsMl.Engine.Trainers.Gbdt.Training;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Gbdt.Binning;

/// <summary>
/// Chooses each feature's bins from the distribution of its values: one bin per distinct value when
/// they fit, otherwise bins of about equal row counts, where a value too frequent to share a bin gets
/// one of its own. Large inputs are binned from a seeded sample of rows, as LightGBM does.
/// </summary>
internal static class QuantileBinner
{
    /// <summary>Rows looked at per feature; LightGBM's bin_construct_sample_cnt is the same.</summary>
    internal const int SampleRows = 200_000;

    public static FeatureBins[] Fit(FeatureMatrix features, int maxBins, int seed, ParallelOptions parallel)
    {
        var rows = SampleRowIndices(features.RowCount, seed);
        var bins = new FeatureBins[features.ColumnCount];
        Parallel.For(0, features.ColumnCount, parallel, column =>
        {
            var values = new float[rows.Length];
            var count = 0;
            var hasMissing = false;
            var data = features.Values;
            var stride = features.ColumnCount;
            foreach (var row in rows)
            {
                var value = data[(row * stride) + column];
                if (float.IsNaN(value))
                {
                    hasMissing = true;
                }
                else
                {
                    values[count++] = value;
                }
            }

            if (!hasMissing && rows.Length < features.RowCount)
            {
                hasMissing = ColumnHasMissing(features, column);
            }

            bins[column] = new FeatureBins(UpperBounds(values.AsSpan(0, count), maxBins), hasMissing);
        });
        return bins;
    }

    /// <summary>Bin bounds for non-missing <paramref name="values"/> (sorted in place); the last bound is +infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float[] UpperBounds(Span<float> values, int maxBins)
    {
        if (values.IsEmpty)
        {
            return [float.PositiveInfinity];
        }

        RadixSort(values);
        var distinct = new List<(float Value, int Count)>();
        foreach (var value in values)
        {
            // -0 and +0 compare equal and fall in the same bin.
            if (distinct.Count > 0 && distinct[^1].Value == value)
            {
                distinct[^1] = (distinct[^1].Value, distinct[^1].Count + 1);
            }
            else
            {
                distinct.Add((value, 1));
            }
        }

        var bounds = new List<float>(Math.Min(distinct.Count, maxBins));
        if (distinct.Count <= maxBins)
        {
            for (var i = 0; i + 1 < distinct.Count; i++)
            {
                bounds.Add(Between(distinct[i].Value, distinct[i + 1].Value));
            }
        }
        else
        {
            var remainingRows = values.Length;
            var binsLeft = maxBins;
            var inBin = 0;
            var target = (double)remainingRows / binsLeft;
            for (var i = 0; i + 1 < distinct.Count && binsLeft > 1; i++)
            {
                inBin += distinct[i].Count;
                var next = distinct[i + 1].Count;
                // Close the bin where its size is nearest the target: now, or after the next value.
                var closeNow = inBin >= target || inBin + next - target > target - inBin;
                if (closeNow)
                {
                    bounds.Add(Between(distinct[i].Value, distinct[i + 1].Value));
                    remainingRows -= inBin;
                    binsLeft--;
                    inBin = 0;
                    target = (double)remainingRows / binsLeft;
                }
            }
        }

        bounds.Add(float.PositiveInfinity);
        return [.. bounds];
    }

    /// <summary>
    /// Sorts non-NaN floats ascending in three counting passes of 11, 11 and 10 bits over keys whose unsigned
    /// order is the floats' order: several times faster than a comparison sort on the columns binning reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RadixSort(Span<float> values)
    {
        var keys = new uint[values.Length];
        var buffer = new uint[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(values[i]);
            // Negative floats order backwards by their bits: flip them all; flip only the sign of the rest.
            keys[i] = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        }

        Span<int> counts = stackalloc int[2048];
        var source = keys;
        var target = buffer;
        for (var shift = 0; shift < 32; shift += 11)
        {
            counts.Clear();
            foreach (var key in source)
            {
                counts[(int)((key >> shift) & 2047)]++;
            }

            var offset = 0;
            for (var digit = 0; digit < counts.Length; digit++)
            {
                var count = counts[digit];
                counts[digit] = offset;
                offset += count;
            }

            foreach (var key in source)
            {
                target[counts[(int)((key >> shift) & 2047)]++] = key;
            }

            (source, target) = (target, source);
        }

        for (var i = 0; i < values.Length; i++)
        {
            var key = source[i];
            values[i] = BitConverter.UInt32BitsToSingle((key & 0x8000_0000u) != 0 ? key & 0x7FFF_FFFFu : ~key);
        }
    }

    /// <summary>A float t with low &lt;= t &lt; high, the midpoint when float precision allows.</summary>
    private static float Between(float low, float high)
    {
        var middle = (float)(low + ((high - (double)low) / 2));
        return middle >= low && middle < high ? middle : low;
    }

    private static int[] SampleRowIndices(int rowCount, int seed)
    {
        if (rowCount <= SampleRows)
        {
            var all = new int[rowCount];
            for (var i = 0; i < rowCount; i++)
            {
                all[i] = i;
            }

            return all;
        }

        var random = new SplitMix64(SplitMix64.Mix(seed, 0x42494E53));
        var sample = new int[SampleRows];
        RowSampler.SelectSorted(rowCount, sample, ref random);
        return sample;
    }

    private static bool ColumnHasMissing(FeatureMatrix features, int column)
    {
        var data = features.Values;
        for (var index = column; index < data.Length; index += features.ColumnCount)
        {
            if (float.IsNaN(data[index]))
            {
                return true;
            }
        }

        return false;
    }
}
