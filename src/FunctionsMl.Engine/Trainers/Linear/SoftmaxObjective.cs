namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Multinomial cross-entropy, log Σₖ e^(zₖ) − z_y, over all classes at once (not one-versus-rest);
/// parameters [W (classCount × featureCount), b (classCount)].
/// </summary>
internal sealed class SoftmaxObjective : RowObjective
{
    private readonly int[] _classes;
    private readonly double[] _margins;

    /// <param name="classes">Each row's class, 0 .. classCount - 1.</param>
    public SoftmaxObjective(float[] features, int rowCount, int featureCount, int[] classes, int classCount, double l2, int threads)
        : base(features, rowCount, featureCount, classCount, l2, threads)
    {
        _classes = classes;
        _margins = new double[ChunkCount * classCount];
    }

    protected override double AccumulateRows(int chunk, int start, int end, ReadOnlySpan<double> x, Span<double> gradient)
    {
        var classCount = OutputCount;
        var featureCount = FeatureCount;
        var weightCount = featureCount * classCount;
        var margins = _margins.AsSpan(chunk * classCount, classCount);
        var loss = 0.0;
        for (var i = start; i < end; i++)
        {
            var row = Row(i);
            var max = double.NegativeInfinity;
            for (var k = 0; k < classCount; k++)
            {
                margins[k] = VectorMath.Dot(row, x.Slice(k * featureCount, featureCount)) + x[weightCount + k];
                max = Math.Max(max, margins[k]);
            }

            var sum = 0.0;
            for (var k = 0; k < classCount; k++)
            {
                margins[k] = Math.Exp(margins[k] - max);
                sum += margins[k];
            }

            var actual = _classes[i];
            // margins[actual] now holds e^(z_y − max), so log Σ e^z − z_y = log(sum) − log(margins[actual]).
            loss += Math.Log(sum) - Math.Log(margins[actual]);
            for (var k = 0; k < classCount; k++)
            {
                var residual = (margins[k] / sum) - (k == actual ? 1.0 : 0.0);
                VectorMath.AddScaled(residual, row, gradient.Slice(k * featureCount, featureCount));
                gradient[weightCount + k] += residual;
            }
        }

        return loss;
    }
}
