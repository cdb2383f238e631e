using FunctionsMl.Engine.Trainers.Gbdt.Binning;

namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>
/// The features where one bin holds most rows (one-hot and hashed-text columns are mostly 0), stored row by
/// row as the histogram bins of their other values only, as LightGBM does. Summing a leaf then costs the
/// rows' few stored entries instead of one read per row per feature; each feature's most common bin is
/// filled in afterwards as the leaf's total minus its other bins.
/// </summary>
internal sealed class SparseRows
{
    /// <summary>LightGBM's sparse_threshold: a feature is sparse when one bin holds this share of rows.</summary>
    internal const double DefaultThreshold = 0.8;

    private const int RowsPerBlock = 4096;

    private SparseRows(bool[] isSparse, byte[] commonBins, int[] rowStarts, int[] entries)
    {
        IsSparse = isSparse;
        CommonBins = commonBins;
        RowStarts = rowStarts;
        Entries = entries;
    }

    public bool[] IsSparse { get; }

    /// <summary>Per feature, the bin most rows fall in; not stored in <see cref="Entries"/>.</summary>
    public byte[] CommonBins { get; }

    /// <summary>Row r's entries are Entries[RowStarts[r] .. RowStarts[r + 1]).</summary>
    public int[] RowStarts { get; }

    /// <summary>Histogram bin indices (feature offset + bin), by row, then by feature.</summary>
    public int[] Entries { get; }

    /// <summary>Null when no feature is sparse enough to be worth it.</summary>
    public static SparseRows? Create(BinnedMatrix bins, FeatureBins[] featureBins, HistogramLayout layout, double threshold, ParallelOptions parallel)
    {
        var rowCount = bins.RowCount;
        var isSparse = new bool[bins.FeatureCount];
        var commonBins = new byte[bins.FeatureCount];
        Parallel.For(0, bins.FeatureCount, parallel, feature =>
        {
            Span<int> counts = stackalloc int[256];
            counts.Clear();
            foreach (var bin in bins.Column(feature))
            {
                counts[bin]++;
            }

            var common = 0;
            for (var bin = 1; bin < counts.Length; bin++)
            {
                common = counts[bin] > counts[common] ? bin : common;
            }

            commonBins[feature] = (byte)common;
            isSparse[feature] = featureBins[feature].CanSplit && counts[common] >= threshold * rowCount;
        });

        var sparse = Enumerable.Range(0, bins.FeatureCount).Where(feature => isSparse[feature]).ToArray();
        if (sparse.Length == 0)
        {
            return null;
        }

        // Two passes over row blocks: count each row's entries, then write them where the counts say.
        var rowStarts = new int[rowCount + 1];
        var blocks = (rowCount + RowsPerBlock - 1) / RowsPerBlock;
        Parallel.For(0, blocks, parallel, block =>
        {
            var (start, end) = BlockRows(block, rowCount);
            foreach (var feature in sparse)
            {
                var column = bins.Column(feature);
                var common = commonBins[feature];
                for (var row = start; row < end; row++)
                {
                    rowStarts[row + 1] += column[row] != common ? 1 : 0;
                }
            }
        });

        for (var row = 0; row < rowCount; row++)
        {
            rowStarts[row + 1] += rowStarts[row];
        }

        var entries = new int[rowStarts[rowCount]];
        Parallel.For(0, blocks, parallel, block =>
        {
            var (start, end) = BlockRows(block, rowCount);
            var next = rowStarts[start..(end + 1)];
            foreach (var feature in sparse)
            {
                var column = bins.Column(feature);
                var common = commonBins[feature];
                var offset = layout.Offsets[feature];
                for (var row = start; row < end; row++)
                {
                    var bin = column[row];
                    if (bin != common)
                    {
                        entries[next[row - start]++] = offset + bin;
                    }
                }
            }
        });

        return new SparseRows(isSparse, commonBins, rowStarts, entries);
    }

    private static (int Start, int End) BlockRows(int block, int rowCount) =>
        (block * RowsPerBlock, Math.Min((block + 1) * RowsPerBlock, rowCount));
}
