namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// (1/n)·(Σᵢ lossᵢ + (L2/2)·‖w‖²) for a linear model whose parameters are laid out as
/// [weights (one block of featureCount per output), intercepts (one per output)].
/// Dividing by n keeps gradients of order one whatever the row count; the minimiser is unchanged.
/// Rows are summed in fixed chunks (see <see cref="RowChunks"/>) so the value does not depend on threads.
/// </summary>
internal abstract class RowObjective : IObjective
{
    private readonly double _l2;
    private readonly RowChunks _chunks;
    private readonly double[] _partialGradients;
    private readonly double[] _partialLosses;
    private readonly Action<int> _evaluateChunk;
    private double[] _current = [];

    protected RowObjective(float[] features, int rowCount, int featureCount, int outputCount, double l2, int threads)
    {
        Features = features;
        RowCount = rowCount;
        FeatureCount = featureCount;
        OutputCount = outputCount;
        Dimension = checked((featureCount + 1) * outputCount);
        _l2 = l2;
        _chunks = new RowChunks(rowCount, Dimension, threads);
        _partialGradients = new double[checked(_chunks.Count * Dimension)];
        _partialLosses = new double[_chunks.Count];
        _evaluateChunk = EvaluateChunk;
    }

    public int Dimension { get; }

    protected float[] Features { get; }

    protected int RowCount { get; }

    protected int FeatureCount { get; }

    protected int OutputCount { get; }

    /// <summary>Number of chunks, so subclasses can size per-chunk scratch space.</summary>
    protected int ChunkCount => _chunks.Count;

    public double Evaluate(double[] x, double[] gradient)
    {
        _current = x;
        _chunks.Run(_evaluateChunk);
        RowChunks.Reduce(_partialGradients, Dimension, _chunks.Count, gradient);
        var loss = 0.0;
        foreach (var partial in _partialLosses)
        {
            loss += partial;
        }

        var weightCount = FeatureCount * OutputCount;
        var weights = x.AsSpan(0, weightCount);
        loss += 0.5 * _l2 * VectorMath.Dot(weights, weights);
        VectorMath.AddScaled(_l2, weights, gradient.AsSpan(0, weightCount));

        var scale = 1.0 / RowCount;
        for (var i = 0; i < gradient.Length; i++)
        {
            gradient[i] *= scale;
        }

        return loss * scale;
    }

    /// <summary>
    /// Adds the loss of rows [start, end) to the return value and their loss gradient to
    /// <paramref name="gradient"/> (already cleared), using <paramref name="x"/> as parameters.
    /// </summary>
    protected abstract double AccumulateRows(int chunk, int start, int end, ReadOnlySpan<double> x, Span<double> gradient);

    protected ReadOnlySpan<float> Row(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    private void EvaluateChunk(int chunk)
    {
        var gradient = _partialGradients.AsSpan(chunk * Dimension, Dimension);
        gradient.Clear();
        _partialLosses[chunk] = AccumulateRows(chunk, _chunks.Start(chunk), _chunks.End(chunk), _current, gradient);
    }
}
