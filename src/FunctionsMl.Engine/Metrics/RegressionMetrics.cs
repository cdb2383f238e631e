namespace FunctionsMl.Engine.Metrics;

/// <summary>Quality of predicted values against true values.</summary>
public sealed record RegressionMetrics
{
    public required double Rmse { get; init; }

    public required double Mae { get; init; }

    /// <summary>Coefficient of determination, 1 - SSres/SStot: negative when worse than predicting the mean. With constant labels it is 1 for a perfect fit, else 0.</summary>
    public required double RSquared { get; init; }

    public static RegressionMetrics Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> predictions)
    {
        if (labels.IsEmpty)
        {
            throw new ArgumentException("Metrics need at least one row.", nameof(labels));
        }

        if (predictions.Length != labels.Length)
        {
            throw new ArgumentException($"Expected {labels.Length} predictions, got {predictions.Length}.", nameof(predictions));
        }

        var mean = 0.0;
        foreach (var label in labels)
        {
            mean += label;
        }

        mean /= labels.Length;
        double squared = 0, absolute = 0, total = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var error = (double)labels[i] - predictions[i];
            squared += error * error;
            absolute += Math.Abs(error);
            var deviation = labels[i] - mean;
            total += deviation * deviation;
        }

        return new RegressionMetrics
        {
            Rmse = Math.Sqrt(squared / labels.Length),
            Mae = absolute / labels.Length,
            RSquared = total == 0 ? (squared == 0 ? 1 : 0) : 1 - (squared / total),
        };
    }
}
