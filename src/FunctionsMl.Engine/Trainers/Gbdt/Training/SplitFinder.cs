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

    public SplitCandidate Best(ReadOnlySpan<HistogramBin> bins, int feature, in GradientSums total)
    {
        var best = SplitCandidate.None;
        if (bins.Length < 2)
        {
            return best;
        }

        var parentScore = Score(total.Gradient, total.Hessian);
        var missing = bins[0];
        var hasMissing = missing.Count > 0;
        double leftGradient = 0, leftHessian = 0;
        var leftCount = 0;
        var lastValueBin = bins.Length - 1;
        for (var bin = 1; bin < lastValueBin; bin++)
        {
            ref readonly var entry = ref bins[bin];
            leftGradient += entry.Gradient;
            leftHessian += entry.Hessian;
            leftCount += entry.Count;
            if (entry.Count == 0)
            {
                // Same rows on each side as the previous bin: no new split.
                continue;
            }

            // Without missing values the default side only matters for prediction: take the larger side.
            var defaultLeft = !hasMissing && leftCount >= total.Count - leftCount;
            Consider(ref best, feature, bin, defaultLeft, new GradientSums(leftGradient, leftHessian, leftCount), total, parentScore);
            if (hasMissing)
            {
                Consider(ref best, feature, bin, true, new GradientSums(leftGradient + missing.Gradient, leftHessian + missing.Hessian, leftCount + missing.Count), total, parentScore);
            }
        }

        if (hasMissing)
        {
            // Every value left, missing values right.
            var values = total - new GradientSums(missing.Gradient, missing.Hessian, missing.Count);
            Consider(ref best, feature, lastValueBin, false, values, total, parentScore);
        }

        return best;
    }

    private void Consider(ref SplitCandidate best, int feature, int bin, bool defaultLeft, GradientSums left, in GradientSums total, double parentScore)
    {
        var right = total - left;
        if (left.Count < minRowsPerLeaf || right.Count < minRowsPerLeaf
            || left.Hessian < minHessianPerLeaf || right.Hessian < minHessianPerLeaf)
        {
            return;
        }

        var gain = Score(left.Gradient, left.Hessian) + Score(right.Gradient, right.Hessian) - parentScore;
        if (gain > MinGain && gain > best.Gain)
        {
            best = new SplitCandidate(feature, bin, defaultLeft, gain, left);
        }
    }

    private double Score(double gradient, double hessian)
    {
        var denominator = hessian + l2;
        return denominator > 0 ? gradient * gradient / denominator : 0;
    }
}
