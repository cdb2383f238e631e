using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FunctionsMl.Engine.Trainers.Gbdt.Binning;

/// <summary>
/// The bins of one feature. Bin 0 holds missing values (NaN); value bin b (1-based) holds the values
/// above <c>UpperBounds[b - 2]</c> and at most <c>UpperBounds[b - 1]</c>. The last bound is +infinity,
/// so every non-missing value has a bin, and "bin &lt;= b" holds exactly when "value &lt;= UpperBounds[b - 1]":
/// a split found on bins becomes a float threshold with the same rows on each side.
/// </summary>
internal sealed class FeatureBins
{
    /// <summary>The bounds padded with +infinity to a power of two, so a lookup is a fixed number of branch-free steps.</summary>
    private readonly float[] _searchBounds;

    public FeatureBins(float[] upperBounds, bool hasMissing)
    {
        UpperBounds = upperBounds;
        HasMissing = hasMissing;
        _searchBounds = new float[(int)BitOperations.RoundUpToPowerOf2((uint)upperBounds.Length)];
        _searchBounds.AsSpan().Fill(float.PositiveInfinity);
        upperBounds.CopyTo(_searchBounds, 0);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte BinOf(float value)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        // Counts the bounds below the value: the bin is one past them. The +infinity bound stops any number.
        ref var bounds = ref MemoryMarshal.GetArrayDataReference(_searchBounds);
        var below = 0;
        for (var step = _searchBounds.Length >> 1; step > 0; step >>= 1)
        {
            // Arithmetic, not a conditional: the JIT would branch, and these branches are unpredictable.
            below += step & -Unsafe.BitCast<bool, byte>(Unsafe.Add(ref bounds, below + step - 1) < value);
        }

        below += Unsafe.BitCast<bool, byte>(Unsafe.Add(ref bounds, below) < value);
        return (byte)(below + 1);
    }
}
