using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Gbdt;

/// <summary>Small seeded data sets for the GBDT tests.</summary>
internal static class GbdtTestData
{
    /// <summary>Label 1 when a weighted sum of the first features plus noise is positive; some values missing.</summary>
    public static LabeledData Binary(int rows, int features, int seed, double missingShare = 0.05)
    {
        var random = new Random(seed);
        var matrix = new FeatureMatrix(rows, features);
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var sum = 0.0;
            for (var f = 0; f < features; f++)
            {
                var value = (float)((random.NextDouble() * 4) - 2);
                sum += value * (f < 3 ? 3 - f : 0.1);
                matrix[r, f] = random.NextDouble() < missingShare ? float.NaN : value;
            }

            labels[r] = sum + (random.NextDouble() - 0.5) > 0 ? 1 : 0;
        }

        return new LabeledData(matrix, labels, ModelTask.Binary, 2);
    }

    /// <summary>Three classes by which of the first three features is largest.</summary>
    public static LabeledData Multiclass(int rows, int features, int seed)
    {
        var random = new Random(seed);
        var matrix = new FeatureMatrix(rows, features);
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var f = 0; f < features; f++)
            {
                matrix[r, f] = (float)random.NextDouble();
            }

            var best = 0;
            for (var c = 1; c < 3; c++)
            {
                if (matrix[r, c] > matrix[r, best])
                {
                    best = c;
                }
            }

            labels[r] = best;
        }

        return new LabeledData(matrix, labels, ModelTask.Multiclass, 3);
    }

    /// <summary>A smooth function of the first two features plus a little noise.</summary>
    public static LabeledData Regression(int rows, int features, int seed)
    {
        var random = new Random(seed);
        var matrix = new FeatureMatrix(rows, features);
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var f = 0; f < features; f++)
            {
                matrix[r, f] = (float)((random.NextDouble() * 6) - 3);
            }

            labels[r] = (float)((2 * Math.Sin(matrix[r, 0])) + (matrix[r, 1] * matrix[r, 1]) + (0.1 * (random.NextDouble() - 0.5)));
        }

        return new LabeledData(matrix, labels, ModelTask.Regression, 0);
    }

    /// <summary>One feature per row: the given values, with the given labels.</summary>
    public static LabeledData OneFeature(float[] values, float[] labels, ModelTask task, int classCount) =>
        new(new FeatureMatrix([.. values], values.Length, 1), labels, task, classCount);

    public static float[] PredictAll(IPredictor predictor, FeatureMatrix features)
    {
        var output = new float[features.RowCount * predictor.OutputCount];
        predictor.PredictBatch(features, output);
        return output;
    }
}
