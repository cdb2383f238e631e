namespace FunctionsMl.Engine.Trainers.Gbdt.Binning;

/// <summary>
/// The bins of one feature. Bin 0 holds missing values (NaN); value bin b (1-based) holds the values
/// above <c>UpperBounds[b - 2]</c> and at most <c>UpperBounds[b - 1]</c>. The last bound is +infinity,
/// so every non-missing value has a bin, and "bin &lt;= b" holds exactly when "value &lt;= UpperBounds[b - 1]":
/// a split found on bins becomes a float threshold with the same rows on each side.
/// </summary>
internal sealed class FeatureBins
{
    public FeatureBins(float[] upperBounds, bool hasMissing)
    {
        UpperBounds = upperBounds;
        HasMissing = hasMissing;
    }

    /// <summary>Ascending; the last is +infinity.</summary>
    public float[] UpperBounds { get; }

    /// <summary>Whether the training data had missing values for this feature.</summary>
    public bool HasMissing { get; }

    public int ValueBinCount => UpperBounds.Length;

    /// <summary>Value bins plus the missing bin.</summary>
    public int BinCount => UpperBounds.Length + 1;

    /// <summary>Whether some split of this feature could separate training rows.</summary>
    public bool CanSplit => ValueBinCount >= 2 || HasMissing;

    /// <summary>The threshold that sends value bins 1..<paramref name="bin"/> left.</summary>
    public float ThresholdOf(int bin) => UpperBounds[bin - 1];

    public byte BinOf(float value)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        // First bound at or above the value; the +infinity bound stops the search for any number.
        var bounds = UpperBounds;
        int low = 0, high = bounds.Length - 1;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (bounds[middle] >= value)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return (byte)(low + 1);
    }
}
