using System.Numerics;

namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>Binary logistic loss, log(1 + e^(-y·z)) with y in {-1, +1}; parameters [w, b].</summary>
/// <remarks>
/// Rows go in batches: margins first, then the loss and residuals of the whole batch with vector exp and log
/// (the costliest step per row when scalar), then the gradient. The batch layout depends only on the chunk, so
/// results stay independent of the thread count.
/// </remarks>
internal sealed class LogisticObjective : RowObjective
{
    private const int BatchRows = 256;

    private readonly bool[] _positive;
    private readonly double[] _scratch;

    public LogisticObjective(float[] features, int rowCount, int featureCount, bool[] positive, double l2, int threads)
        : base(features, rowCount, featureCount, outputCount: 1, l2, threads)
    {
        _positive = positive;
        _scratch = new double[ChunkCount * BatchRows * 2];
    }

    protected override double AccumulateRows(int chunk, int start, int end, ReadOnlySpan<double> x, Span<double> gradient)
    {
        var weights = x[..FeatureCount];
        var intercept = x[FeatureCount];
        var weightGradient = gradient[..FeatureCount];
        var margins = _scratch.AsSpan(chunk * BatchRows * 2, BatchRows);
        var signs = _scratch.AsSpan((chunk * BatchRows * 2) + BatchRows, BatchRows);
        var interceptGradient = 0.0;
        var loss = 0.0;
        for (var batch = start; batch < end; batch += BatchRows)
        {
            var count = Math.Min(BatchRows, end - batch);
            for (var r = 0; r < count; r++)
            {
                margins[r] = VectorMath.Dot(Row(batch + r), weights) + intercept;
                signs[r] = _positive[batch + r] ? 1.0 : 0.0;
            }

            // On return margins holds each row's residual σ(z) − y.
            loss += LossAndResiduals(margins[..count], signs[..count]);
            for (var r = 0; r < count; r++)
            {
                VectorMath.AddScaled(margins[r], Row(batch + r), weightGradient);
                interceptGradient += margins[r];
            }
        }

        gradient[FeatureCount] = interceptGradient;
        return loss;
    }

    /// <summary>
    /// Σ softplus(∓z) over the batch; overwrites each margin z with σ(z) − y. Both come from one e^-|z|, so
    /// neither tail overflows.
    /// </summary>
    private static double LossAndResiduals(Span<double> margins, ReadOnlySpan<double> labels)
    {
        var width = Vector<double>.Count;
        var loss = Vector<double>.Zero;
        var one = Vector<double>.One;
        var i = 0;
        for (; i <= margins.Length - width; i += width)
        {
            var z = new Vector<double>(margins[i..]);
            var y = new Vector<double>(labels[i..]);
            var e = Vector.Exp(-Vector.Abs(z));
            var signedMargin = Vector.ConditionalSelect(Vector.Equals(y, one), -z, z);
            loss += Vector.Max(signedMargin, Vector<double>.Zero) + Vector.Log(one + e);
            var probability = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(z, Vector<double>.Zero), one / (one + e), e / (one + e));
            (probability - y).CopyTo(margins[i..]);
        }

        var total = Vector.Sum(loss);
        for (; i < margins.Length; i++)
        {
            var z = margins[i];
            var e = Math.Exp(-Math.Abs(z));
            total += Math.Max(labels[i] == 1 ? -z : z, 0) + Math.Log(1 + e);
            margins[i] = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) - labels[i];
        }

        return total;
    }
}
