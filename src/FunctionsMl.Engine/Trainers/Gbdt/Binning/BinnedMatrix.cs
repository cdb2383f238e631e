using System.Runtime.CompilerServices;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Gbdt.Binning;

/// <summary>
/// Every value replaced by its bin, one byte each, column after column: building a histogram reads one
/// feature's bytes for many rows, so a column is contiguous and a quarter the size of the floats.
/// </summary>
internal sealed class BinnedMatrix
{
    private const int RowsPerBlock = 4096;

    private BinnedMatrix(byte[] bins, int rowCount, int featureCount)
    {
        Bins = bins;
        RowCount = rowCount;
        FeatureCount = featureCount;
    }

    public byte[] Bins { get; }

    public int RowCount { get; }

    public int FeatureCount { get; }

    public ReadOnlySpan<byte> Column(int feature) => Bins.AsSpan(feature * RowCount, RowCount);

    public byte this[int row, int feature] => Bins[(feature * RowCount) + row];

    public static BinnedMatrix Create(FeatureMatrix features, FeatureBins[] featureBins, ParallelOptions parallel)
    {
        var rowCount = features.RowCount;
        var columnCount = features.ColumnCount;
        var bins = new byte[checked(rowCount * columnCount)];
        var blockCount = (rowCount + RowsPerBlock - 1) / RowsPerBlock;
        // Row blocks read the row-major floats in order; each block writes its own stretch of every column.
        Parallel.For(0, blockCount, parallel, block =>
            BinRows(features, featureBins, bins, block * RowsPerBlock, Math.Min((block + 1) * RowsPerBlock, rowCount)));
        return new BinnedMatrix(bins, rowCount, columnCount);
    }

    /// <remarks>Fully optimised from the first call: training runs it only a few times, too few for tiering to help.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinRows(FeatureMatrix features, FeatureBins[] featureBins, byte[] bins, int start, int end)
    {
        var rowCount = features.RowCount;
        var columnCount = features.ColumnCount;
        var values = features.Values;
        for (var row = start; row < end; row++)
        {
            var rowStart = row * columnCount;
            for (var column = 0; column < columnCount; column++)
            {
                bins[(column * rowCount) + row] = featureBins[column].BinOf(values[rowStart + column]);
            }
        }
    }
}
