using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Linear;

/// <summary>Seeded synthetic data sets and reference computations for the linear trainer tests.</summary>
internal static class LinearTestData
{
    public static FeatureMatrix Gaussian(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var matrix = new FeatureMatrix(rows, columns);
        for (var i = 0; i < matrix.Values.Length; i++)
        {
            matrix.Values[i] = (float)Normal(random);
        }

        return matrix;
    }

    /// <summary>Labels drawn from a logistic model with the given true weights, so the classes overlap.</summary>
    public static LabeledData NoisyBinary(int rows, int seed, params double[] trueWeights)
    {
        var features = Gaussian(rows, trueWeights.Length, seed);
        var random = new Random(seed + 1);
        var labels = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var margin = 0.3;
            for (var j = 0; j < trueWeights.Length; j++)
            {
                margin += trueWeights[j] * features[i, j];
            }

            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-margin)) ? 1 : 0;
        }

        return new LabeledData(features, labels, ModelTask.Binary, 2);
    }

    /// <summary>Rows around one random centre per class, with some overlap between classes.</summary>
    public static LabeledData Blobs(int rows, int columns, int classes, double spread, int seed)
    {
        var random = new Random(seed);
        var centres = new double[classes, columns];
        for (var c = 0; c < classes; c++)
        {
            for (var j = 0; j < columns; j++)
            {
                centres[c, j] = 2 * Normal(random);
            }
        }

        var features = new FeatureMatrix(rows, columns);
        var labels = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var c = i % classes;
            labels[i] = c;
            for (var j = 0; j < columns; j++)
            {
                features[i, j] = (float)(centres[c, j] + (spread * Normal(random)));
            }
        }

        return new LabeledData(features, labels, classes == 2 ? ModelTask.Binary : ModelTask.Multiclass, classes);
    }

    public static double Normal(Random random)
    {
        // Box-Muller: two uniforms give one standard normal.
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>Solves A·x = b by Gaussian elimination with partial pivoting (A is n × n, row-major).</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }

            for (var k = 0; k < n; k++)
            {
                (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
            }

            (x[col], x[pivot]) = (x[pivot], x[col]);
            for (var r = col + 1; r < n; r++)
            {
                var factor = m[r, col] / m[col, col];
                for (var k = col; k < n; k++)
                {
                    m[r, k] -= factor * m[col, k];
                }

                x[r] -= factor * x[col];
            }
        }

        for (var r = n - 1; r >= 0; r--)
        {
            for (var k = r + 1; k < n; k++)
            {
                x[r] -= m[r, k] * x[k];
            }

            x[r] /= m[r, r];
        }

        return x;
    }
}
