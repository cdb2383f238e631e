using System.Numerics;
using System.Runtime.InteropServices;

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

    /// <summary>Rows centred together for the Gram matrix: long enough dot products, a block small enough for the caches.</summary>
    private const int GramBlockRows = 256;

    /// <summary>Multiply-adds below one Cholesky pivot worth spreading over threads.</summary>
    private const long ParallelCholeskyWork = 1 << 16;

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
        if (!CholeskyInPlace(system, d, threads))
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

    /// <summary>
    /// XcᵀXc (full d × d, row-major) and Xcᵀyc. Rows are centred a block at a time into a column-major buffer,
    /// and each Gram entry takes one dot product per block: the d² matrix is then swept once per block rather
    /// than once per row, which keeps the work compute-bound when the matrix outgrows the caches.
    /// </summary>
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
            var block = new double[d * GramBlockRows];
            var centredTargets = new double[GramBlockRows];
            for (var start = chunks.Start(chunk); start < chunks.End(chunk); start += GramBlockRows)
            {
                var count = Math.Min(GramBlockRows, chunks.End(chunk) - start);
                for (var r = 0; r < count; r++)
                {
                    var row = features.AsSpan((start + r) * d, d);
                    for (var j = 0; j < d; j++)
                    {
                        block[(j * GramBlockRows) + r] = row[j] - means[j];
                    }

                    centredTargets[r] = targets[start + r] - targetMean;
                }

                // Zero padding up to a whole number of vectors adds exact zeros and spares the kernel a tail loop.
                var padded = Math.Min(GramBlockRows, (count + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count);
                for (var j = 0; j < d; j++)
                {
                    block.AsSpan((j * GramBlockRows) + count, padded - count).Clear();
                }

                centredTargets.AsSpan(count, padded - count).Clear();
                for (var j = 0; j < d; j++)
                {
                    cross[j] += VectorMath.Dot(block.AsSpan(j * GramBlockRows, padded), centredTargets.AsSpan(0, padded));
                }

                AccumulateGram(block, padded, d, gram);
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

    /// <summary>
    /// Adds the block's contribution to the upper triangle of the Gram matrix (entries below the diagonal may
    /// receive values too; they are overwritten by mirroring). Tiles of 2 × 4 entries share their column loads,
    /// so each loaded vector feeds several multiply-adds.
    /// </summary>
    private static void AccumulateGram(double[] block, int padded, int d, Span<double> gram)
    {
        ref var data = ref MemoryMarshal.GetArrayDataReference(block);
        var width = Vector<double>.Count;
        var j = 0;
        for (; j + 2 <= d; j += 2)
        {
            var a = (nuint)(j * GramBlockRows);
            var b = (nuint)((j + 1) * GramBlockRows);
            var k = j;
            for (; k + 4 <= d; k += 4)
            {
                var c0 = (nuint)(k * GramBlockRows);
                var c1 = c0 + GramBlockRows;
                var c2 = c1 + GramBlockRows;
                var c3 = c2 + GramBlockRows;
                Vector<double> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector<double> b0 = default, b1 = default, b2 = default, b3 = default;
                for (nuint r = 0; r < (nuint)padded; r += (nuint)width)
                {
                    var x = Vector.LoadUnsafe(ref data, a + r);
                    var y = Vector.LoadUnsafe(ref data, b + r);
                    var v0 = Vector.LoadUnsafe(ref data, c0 + r);
                    var v1 = Vector.LoadUnsafe(ref data, c1 + r);
                    var v2 = Vector.LoadUnsafe(ref data, c2 + r);
                    var v3 = Vector.LoadUnsafe(ref data, c3 + r);
                    a0 += x * v0;
                    a1 += x * v1;
                    a2 += x * v2;
                    a3 += x * v3;
                    b0 += y * v0;
                    b1 += y * v1;
                    b2 += y * v2;
                    b3 += y * v3;
                }

                var rowA = gram.Slice((j * d) + k, 4);
                rowA[0] += Vector.Sum(a0);
                rowA[1] += Vector.Sum(a1);
                rowA[2] += Vector.Sum(a2);
                rowA[3] += Vector.Sum(a3);
                var rowB = gram.Slice(((j + 1) * d) + k, 4);
                rowB[0] += Vector.Sum(b0);
                rowB[1] += Vector.Sum(b1);
                rowB[2] += Vector.Sum(b2);
                rowB[3] += Vector.Sum(b3);
            }

            for (; k < d; k++)
            {
                var column = block.AsSpan(k * GramBlockRows, padded);
                gram[(j * d) + k] += VectorMath.Dot(block.AsSpan(j * GramBlockRows, padded), column);
                gram[((j + 1) * d) + k] += VectorMath.Dot(block.AsSpan((j + 1) * GramBlockRows, padded), column);
            }
        }

        if (j < d)
        {
            // With an odd count the last column pairs only with itself.
            var last = block.AsSpan(j * GramBlockRows, padded);
            gram[(j * d) + j] += VectorMath.Dot(last, last);
        }
    }

    /// <summary>
    /// Overwrites the lower triangle of the symmetric matrix with L, where A = L·Lᵀ. Column by column; the
    /// entries below each pivot are independent of one another, so large systems split them across threads
    /// (each entry is computed the same way whichever thread does it).
    /// </summary>
    private static bool CholeskyInPlace(double[] a, int d, int threads)
    {
        var largestDiagonal = 0.0;
        for (var j = 0; j < d; j++)
        {
            largestDiagonal = Math.Max(largestDiagonal, a[(j * d) + j]);
        }

        var minPivot = SingularPivot * Math.Max(largestDiagonal, double.Epsilon);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        for (var j = 0; j < d; j++)
        {
            var pivot = a[(j * d) + j] - VectorMath.Dot(a.AsSpan(j * d, j), a.AsSpan(j * d, j));
            if (!(pivot > minPivot))
            {
                return false;
            }

            var diagonal = Math.Sqrt(pivot);
            a[(j * d) + j] = diagonal;
            var below = d - j - 1;
            var column = j;
            if (threads > 1 && (long)below * j >= ParallelCholeskyWork)
            {
                var pieces = Math.Min(below, threads * 4);
                Parallel.For(0, pieces, parallel, piece =>
                {
                    var first = column + 1 + (int)((long)below * piece / pieces);
                    var last = column + 1 + (int)((long)below * (piece + 1) / pieces);
                    EliminateBelow(a, d, column, diagonal, first, last);
                });
            }
            else
            {
                EliminateBelow(a, d, column, diagonal, j + 1, d);
            }
        }

        return true;
    }

    private static void EliminateBelow(double[] a, int d, int j, double diagonal, int first, int last)
    {
        var rowJ = a.AsSpan(j * d, j);
        for (var i = first; i < last; i++)
        {
            a[(i * d) + j] = (a[(i * d) + j] - VectorMath.Dot(a.AsSpan(i * d, j), rowJ)) / diagonal;
        }
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
