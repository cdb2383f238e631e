using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>Gradient, hessian and row count summed over a set of rows.</summary>
internal readonly record struct GradientSums(double Gradient, double Hessian, int Count)
{
    public static GradientSums operator -(GradientSums left, GradientSums right) =>
        new(left.Gradient - right.Gradient, left.Hessian - right.Hessian, left.Count - right.Count);
}

/// <summary>
/// A way to split a leaf: value bins 1..<see cref="Bin"/> of <see cref="Feature"/> go left, the rest
/// right, and missing values go to the side <see cref="DefaultLeft"/> names.
/// </summary>
internal readonly record struct SplitCandidate(int Feature, int Bin, bool DefaultLeft, double Gain, GradientSums Left)
{
    public static SplitCandidate None { get; } = new(-1, 0, false, double.NegativeInfinity, default);

    public bool IsValid => Feature >= 0;

    /// <summary>Higher gain wins; equal gains keep the lower feature, so the choice never depends on scheduling.</summary>
    public bool IsBetterThan(in SplitCandidate other) =>
        Gain > other.Gain || (Gain == other.Gain && IsValid && (!other.IsValid || Feature < other.Feature));
}

/// <summary>
/// Finds the best split of one feature's histogram with the second-order gain
/// G_L²/(H_L+λ) + G_R²/(H_R+λ) - G²/(H+λ), trying missing values on either side as XGBoost and LightGBM do.
/// </summary>
[SkipLocalsInit]
internal sealed class SplitFinder(double l2, int minRowsPerLeaf, double minHessianPerLeaf)
{
    /// <summary>Gains below this are rounding noise, not structure (XGBoost's kRtEps).</summary>
    internal const double MinGain = 1e-6;

    public double L2 => l2;

    /// <summary>The leaf value before shrinkage: the Newton step -G/(H+λ).</summary>
    public double LeafValue(in GradientSums sums)
    {
        var denominator = sums.Hessian + l2;
        return denominator > 0 ? -sums.Gradient / denominator : 0;
    }

    /// <summary>Whether a leaf is big enough for both children to meet the minimums.</summary>
    public bool CanSplit(in GradientSums sums) =>
        sums.Count >= 2 * minRowsPerLeaf && sums.Hessian >= 2 * minHessianPerLeaf;

    /// <remarks>
    /// Candidates are compared in a fixed order (missing values right or the larger side, then missing values
    /// left, then "values left, missing right") and a later one must be strictly better, so ties resolve to
    /// the lowest bin everywhere. The vector and scalar paths evaluate the same expression per bin, so they agree
    /// to the bit.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SplitCandidate Best(ReadOnlySpan<HistogramBin> bins, int feature, in GradientSums total)
    {
        var best = SplitCandidate.None;
        var missing = bins[0];
        var hasMissing = missing.RowCount > 0;
        // Candidates split after a non-empty value bin (after an empty one the sides are the same), except the
        // last: "every value left" only separates missing values, tried below. Deep leaves and sparse features
        // have few non-empty bins, so the work follows the rows rather than the bins.
        Span<double> gradients = stackalloc double[bins.Length];
        Span<double> hessians = stackalloc double[bins.Length];
        Span<double> counts = stackalloc double[bins.Length];
        Span<byte> candidateBins = stackalloc byte[bins.Length];
        var occupied = 0;
        double gradient = 0, hessian = 0, count = 0;
        for (var bin = 1; bin < bins.Length; bin++)
        {
            ref readonly var entry = ref bins[bin];
            if (entry.Count == 0)
            {
                continue;
            }

            gradients[occupied] = gradient += entry.Gradient;
            hessians[occupied] = hessian += entry.Hessian;
            counts[occupied] = count += entry.Count;
            candidateBins[occupied++] = (byte)bin;
        }

        var candidates = occupied - 1;
        if (candidates > 0)
        {
            gradients = gradients[..candidates];
            hessians = hessians[..candidates];
            counts = counts[..candidates];
            candidateBins = candidateBins[..candidates];
            Span<double> gains = stackalloc double[candidates];
            var parentScore = total.Gradient * total.Gradient / (total.Hessian + l2);
            Gains(gradients, hessians, counts, default, total, parentScore, gains);
            Pick(ref best, gains, gradients, hessians, counts, candidateBins, default, feature, hasMissing ? MissingSide.Right : MissingSide.None, total);
            if (hasMissing)
            {
                var missingSums = new GradientSums(missing.Gradient, missing.Hessian, missing.RowCount);
                Gains(gradients, hessians, counts, missingSums, total, parentScore, gains);
                Pick(ref best, gains, gradients, hessians, counts, candidateBins, missingSums, feature, MissingSide.Left, total);
            }
        }

        if (hasMissing && bins.Length >= 2)
        {
            // Every value left, missing values right.
            var values = total - new GradientSums(missing.Gradient, missing.Hessian, missing.RowCount);
            Span<double> gain = stackalloc double[1];
            Gains([values.Gradient], [values.Hessian], [values.Count], default, total, Score(total.Gradient, total.Hessian), gain);
            if (gain[0] > MinGain && gain[0] > best.Gain)
            {
                best = new SplitCandidate(feature, bins.Length - 1, false, gain[0], values);
            }
        }

        return best;
    }

    /// <summary>
    /// gains[i] = G_L²/(H_L+λ) + G_R²/(H_R+λ) - parent for the left side prefix[i] + extra, or -infinity where
    /// a side breaks a minimum.
    /// </summary>
    private void Gains(
        ReadOnlySpan<double> gradients, ReadOnlySpan<double> hessians, ReadOnlySpan<double> counts, GradientSums extra,
        in GradientSums total, double parentScore, Span<double> gains)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var lambda = Vector256.Create(l2);
            var parent = Vector256.Create(parentScore);
            var minRows = Vector256.Create((double)minRowsPerLeaf);
            var minHessian = Vector256.Create(minHessianPerLeaf);
            var totalGradient = Vector256.Create(total.Gradient);
            var totalHessian = Vector256.Create(total.Hessian);
            var totalCount = Vector256.Create((double)total.Count);
            var extraGradient = Vector256.Create(extra.Gradient);
            var extraHessian = Vector256.Create(extra.Hessian);
            var extraCount = Vector256.Create((double)extra.Count);
            var none = Vector256.Create(double.NegativeInfinity);
            for (; i + 4 <= gains.Length; i += 4)
            {
                var leftGradient = Vector256.Create(gradients.Slice(i, 4)) + extraGradient;
                var leftHessian = Vector256.Create(hessians.Slice(i, 4)) + extraHessian;
                var leftCount = Vector256.Create(counts.Slice(i, 4)) + extraCount;
                var rightGradient = totalGradient - leftGradient;
                var rightHessian = totalHessian - leftHessian;
                var rightCount = totalCount - leftCount;
                var gain = (leftGradient * leftGradient / (leftHessian + lambda)) + (rightGradient * rightGradient / (rightHessian + lambda)) - parent;
                var valid = Vector256.GreaterThanOrEqual(leftCount, minRows) & Vector256.GreaterThanOrEqual(rightCount, minRows)
                    & Vector256.GreaterThanOrEqual(leftHessian, minHessian) & Vector256.GreaterThanOrEqual(rightHessian, minHessian);
                Vector256.ConditionalSelect(valid, gain, none).CopyTo(gains.Slice(i, 4));
            }
        }

        for (; i < gains.Length; i++)
        {
            var leftGradient = gradients[i] + extra.Gradient;
            var leftHessian = hessians[i] + extra.Hessian;
            var leftCount = counts[i] + extra.Count;
            var rightGradient = total.Gradient - leftGradient;
            var rightHessian = total.Hessian - leftHessian;
            var rightCount = total.Count - leftCount;
            var valid = leftCount >= minRowsPerLeaf && rightCount >= minRowsPerLeaf && leftHessian >= minHessianPerLeaf && rightHessian >= minHessianPerLeaf;
            gains[i] = valid
                ? (leftGradient * leftGradient / (leftHessian + l2)) + (rightGradient * rightGradient / (rightHessian + l2)) - parentScore
                : double.NegativeInfinity;
        }
    }

    private static void Pick(
        ref SplitCandidate best, ReadOnlySpan<double> gains, ReadOnlySpan<double> gradients, ReadOnlySpan<double> hessians,
        ReadOnlySpan<double> counts, ReadOnlySpan<byte> candidateBins, GradientSums extra, int feature, MissingSide missing, in GradientSums total)
    {
        var bestIndex = -1;
        var bestGain = Math.Max(best.Gain, MinGain);
        for (var i = 0; i < gains.Length; i++)
        {
            if (gains[i] > bestGain)
            {
                bestGain = gains[i];
                bestIndex = i;
            }
        }

        if (bestIndex < 0)
        {
            return;
        }

        var left = new GradientSums(gradients[bestIndex] + extra.Gradient, hessians[bestIndex] + extra.Hessian, (int)counts[bestIndex] + extra.Count);
        // Without missing values the default side only matters for prediction: take the larger side.
        var defaultLeft = missing == MissingSide.Left || (missing == MissingSide.None && left.Count >= total.Count - left.Count);
        best = new SplitCandidate(feature, candidateBins[bestIndex], defaultLeft, bestGain, left);
    }

    private enum MissingSide
    {
        /// <summary>The leaf has no missing values.</summary>
        None,
        Left,
        Right,
    }

    private double Score(double gradient, double hessian)
    {
        var denominator = hessian + l2;
        return denominator > 0 ? gradient * gradient / denominator : 0;
    }
}
