using System.Runtime.InteropServices;
using FunctionsMl.Engine.Trainers.Gbdt.Binning;

namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>
/// Sums over the rows of one leaf that fall in one bin. Four doubles, the count among them (exact up to
/// 2^53), so that adding a row or subtracting a histogram is one 256-bit operation per bin.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HistogramBin
{
    public double Gradient;
    public double Hessian;
    public double Count;
    private readonly double _padding;

    public readonly int RowCount => (int)Count;
}

/// <summary>Where each feature's bins start in a histogram: features have as many bins as they need.</summary>
internal sealed class HistogramLayout
{
    public HistogramLayout(FeatureBins[] features)
    {
        Offsets = new int[features.Length + 1];
        for (var f = 0; f < features.Length; f++)
        {
            Offsets[f + 1] = checked(Offsets[f] + features[f].BinCount);
        }
    }

    /// <summary>Feature f's bins are [Offsets[f], Offsets[f + 1]).</summary>
    public int[] Offsets { get; }

    public int TotalBins => Offsets[^1];

    public int BinCount(int feature) => Offsets[feature + 1] - Offsets[feature];
}

/// <summary>The per-bin sums of one leaf for every feature.</summary>
internal sealed class Histogram(HistogramLayout layout)
{
    public HistogramBin[] Bins { get; } = new HistogramBin[layout.TotalBins];

    public Span<HistogramBin> Feature(int feature) =>
        Bins.AsSpan(layout.Offsets[feature], layout.BinCount(feature));
}

/// <summary>
/// Reuses histograms from tree to tree within a memory budget. When the budget is spent, the caller
/// evicts a leaf's histogram; that leaf then builds both children instead of subtracting.
/// </summary>
internal sealed class HistogramPool
{
    /// <summary>Bounds training memory for very wide data; 20 features of 256 bins take 160 KB a histogram.</summary>
    internal const long DefaultBudgetBytes = 256L * 1024 * 1024;

    private readonly HistogramLayout _layout;
    private readonly Stack<Histogram> _free = new();
    private int _created;

    public HistogramPool(HistogramLayout layout, int leaves, long budgetBytes = DefaultBudgetBytes)
    {
        _layout = layout;
        var bytesPerHistogram = Math.Max(1L, (long)layout.TotalBins * Marshal.SizeOf<HistogramBin>());
        // Three is the least a split needs: the parent's, and a fresh one for each child.
        Capacity = (int)Math.Max(3, Math.Min(budgetBytes / bytesPerHistogram, leaves));
    }

    public int Capacity { get; }

    public HistogramLayout Layout => _layout;

    public Histogram? TryRent()
    {
        if (_free.TryPop(out var histogram))
        {
            return histogram;
        }

        if (_created < Capacity)
        {
            _created++;
            return new Histogram(_layout);
        }

        return null;
    }

    public void Return(Histogram histogram) => _free.Push(histogram);
}
