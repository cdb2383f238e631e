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
            var isPositive = positive[i];
            loss += VectorMath.Softplus(isPositive ? -margin : margin);
            var residual = VectorMath.Sigmoid(margin) - (isPositive ? 1.0 : 0.0);
            VectorMath.AddScaled(residual, row, weightGradient);
            interceptGradient += residual;
        }

        gradient[FeatureCount] = interceptGradient;
        return loss;
    }
}
