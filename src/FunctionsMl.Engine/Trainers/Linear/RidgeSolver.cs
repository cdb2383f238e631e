namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Ridge regression in closed form. Centering features and targets removes the unpenalised intercept, leaving
/// (XcᵀXc + L2·I)·w = Xcᵀyc, a d × d symmetric system solved by Cholesky; then b = ȳ − x̄·w.
/// </summary>
internal static class RidgeSolver
{
    /// <summary>Above this many features the d² Gram matrix and d³ factorisation cost more than iterating.</summary>
    public const int MaxExactFeatures = 2000;

    /// <summary>A Cholesky pivot this small relative to the largest diagonal entry means the system is singular.</summary>
    private const double SingularPivot = 1e-12;

    /// <summary>Returns false when the system is singular (collinear features and no penalty).</summary>
    public static bool TrySolve(float[] features, int rowCount, int featureCount, double[] targets, double l2, int threads, out double[] weights, out double intercept)
    {
        var d = featureCount;
        var means = ColumnMeans(features, rowCount, d, targets, threads, out var targetMean);
        var system = CenteredGram(features, rowCount, d, means, targets, targetMean, threads, out var rightHandSide);
        for (var j = 0; j < d; j++)
        {
            system[(j * d) + j] += l2;
        }

        weights = new double[d];
        intercept = 0;
        if (!CholeskyInPlace(system, d))
        {
            return false;
        }

        SolveFactored(system, d, rightHandSide, weights);
        intercept = targetMean - VectorMath.Dot(means, weights);
        return true;
    }

    private static double[] ColumnMeans(float[] features, int rowCount, int d, double[] targets, int threads, out double targetMean)
    {
        var length = d + 1;
        var chunks = new RowChunks(rowCount, length, threads);
        var partials = new double[chunks.Count * length];
        chunks.Run(chunk =>
        {
            var sums = partials.AsSpan(chunk * length, length);
            for (var i = chunks.Start(chunk); i < chunks.End(chunk); i++)
            {
                VectorMath.AddScaled(1.0, features.AsSpan(i * d, d), sums);
                sums[d] += targets[i];
            }
        });

        var totals = new double[length];
        RowChunks.Reduce(partials, length, chunks.Count, totals);
        for (var j = 0; j < length; j++)
        {
            totals[j] /= rowCount;
        }

        targetMean = totals[d];
        return totals[..d];
    }

    /// <summary>XcᵀXc (full d × d, row-major) and Xcᵀyc, centering each row on the fly for accuracy.</summary>
    private static double[] CenteredGram(float[] features, int rowCount, int d, double[] means, double[] targets, double targetMean, int threads, out double[] rightHandSide)
    {
        // Each chunk keeps the upper triangle of its Gram block plus its share of Xcᵀyc.
        var length = checked((d * d) + d);
        var chunks = new RowChunks(rowCount, length, threads);
        var partials = new double[checked(chunks.Count * length)];
        chunks.Run(chunk =>
        {
            var gram = partials.AsSpan(chunk * length, d * d);
            var cross = partials.AsSpan((chunk * length) + (d * d), d);
            var centered = new double[d];
            for (var i = chunks.Start(chunk); i < chunks.End(chunk); i++)
            {
                var row = features.AsSpan(i * d, d);
                for (var j = 0; j < d; j++)
                {
                    centered[j] = row[j] - means[j];
                }

                var target = targets[i] - targetMean;
                for (var j = 0; j < d; j++)
                {
                    var value = centered[j];
                    if (value != 0)
                    {
                        VectorMath.AddScaled(value, centered.AsSpan(j), gram.Slice((j * d) + j, d - j));
                        cross[j] += value * target;
                    }
                }
            }
        });

        var totals = new double[length];
        RowChunks.Reduce(partials, length, chunks.Count, totals);
        var system = totals[..(d * d)];
        for (var j = 0; j < d; j++)
        {
            for (var k = j + 1; k < d; k++)
            {
                system[(k * d) + j] = system[(j * d) + k];
            }
        }

        rightHandSide = totals[(d * d)..];
        return system;
    }

    /// <summary>Overwrites the lower triangle of the symmetric matrix with L, where A = L·Lᵀ.</summary>
    private static bool CholeskyInPlace(double[] a, int d)
    {
        var largestDiagonal = 0.0;
        for (var j = 0; j < d; j++)
        {
            largestDiagonal = Math.Max(largestDiagonal, a[(j * d) + j]);
        }

        var minPivot = SingularPivot * Math.Max(largestDiagonal, double.Epsilon);
        for (var j = 0; j < d; j++)
        {
            var rowJ = a.AsSpan(j * d, j);
            var pivot = a[(j * d) + j] - VectorMath.Dot(rowJ, rowJ);
            if (!(pivot > minPivot))
            {
                return false;
            }

            var diagonal = Math.Sqrt(pivot);
            a[(j * d) + j] = diagonal;
            for (var i = j + 1; i < d; i++)
            {
                var rowI = a.AsSpan(i * d, j);
                a[(i * d) + j] = (a[(i * d) + j] - VectorMath.Dot(rowI, rowJ)) / diagonal;
            }
        }

        return true;
    }

    /// <summary>Solves L·Lᵀ·x = b by forward then backward substitution.</summary>
    private static void SolveFactored(double[] l, int d, double[] b, double[] x)
    {
        var z = new double[d];
        for (var i = 0; i < d; i++)
        {
            z[i] = (b[i] - VectorMath.Dot(l.AsSpan(i * d, i), z)) / l[(i * d) + i];
        }

        for (var i = d - 1; i >= 0; i--)
        {
            var sum = z[i];
            for (var k = i + 1; k < d; k++)
            {
                sum -= l[(k * d) + i] * x[k];
            }

            x[i] = sum / l[(i * d) + i];
        }
    }
}
