using FunctionsMl.Engine;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Benchmarks;

/// <summary>Seeded synthetic data for benchmarks: Gaussian features, a few of them informative.</summary>
internal static class SyntheticData
{
    /// <summary>
    /// Binary labels from a noisy linear score of the first <paramref name="informative"/> features plus one
    /// interaction, so that trees have structure to find; the other features are noise.
    /// </summary>
    public static LabeledData Binary(int rows, int features, int informative, int seed)
    {
        var random = new Random(seed);
        var weights = new double[informative];
        for (var f = 0; f < informative; f++)
        {
            weights[f] = (random.NextDouble() * 2) - 1;
        }

        var matrix = new FeatureMatrix(rows, features);
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var score = 0.0;
            for (var f = 0; f < features; f++)
            {
                var value = Gaussian(random);
                matrix[r, f] = (float)value;
                if (f < informative)
                {
                    score += weights[f] * value;
                }
            }

            score += matrix[r, 0] * matrix[r, 1];
            labels[r] = random.NextDouble() < 1 / (1 + Math.Exp(-2 * score)) ? 1 : 0;
        }

        return new LabeledData(matrix, labels, ModelTask.Binary, 2);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
