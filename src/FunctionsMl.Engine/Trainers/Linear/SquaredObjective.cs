namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>Half the squared error, (z − y)² / 2; parameters [w, b]. Used when ridge cannot be solved exactly.</summary>
internal sealed class SquaredObjective(float[] features, int rowCount, int featureCount, double[] targets, double l2, int threads)
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
            var residual = VectorMath.Dot(row, weights) + intercept - targets[i];
            loss += 0.5 * residual * residual;
            VectorMath.AddScaled(residual, row, weightGradient);
            interceptGradient += residual;
        }

        gradient[FeatureCount] = interceptGradient;
        return loss;
    }
}
