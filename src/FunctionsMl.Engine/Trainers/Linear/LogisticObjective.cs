namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>Binary logistic loss, log(1 + e^(-y·z)) with y in {-1, +1}; parameters [w, b].</summary>
internal sealed class LogisticObjective(float[] features, int rowCount, int featureCount, bool[] positive, double l2, int threads)
    : RowObjective(features, rowCount, featureCount, outputCount: 1, l2, threads)
{
    protected override double AccumulateRows(int chunk, int start, int end, ReadOnlySpan<double> x, Span<double> gradient)
    {
        var weights = x[..FeatureCount];
        var intercept = x[FeatureCount];
        var weightGradient = gradient[..FeatureCount];
        var interceptGradient = 0.0;
        var loss = 0.0;
        for (var i = start; i < end; i++)
        {
            var row = Row(i);
            var margin = VectorMath.Dot(row, weights) + intercept;
            // Loss softplus(∓z) and probability σ(z) share one e^-|z|, the costliest step per row.
            var isPositive = positive[i];
            var e = Math.Exp(-Math.Abs(margin));
            loss += Math.Max(isPositive ? -margin : margin, 0) + Math.Log(1 + e);
            var probability = margin >= 0 ? 1 / (1 + e) : e / (1 + e);
            var residual = probability - (isPositive ? 1.0 : 0.0);
            VectorMath.AddScaled(residual, row, weightGradient);
            interceptGradient += residual;
        }

        gradient[FeatureCount] = interceptGradient;
        return loss;
    }
}
