using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// What a fitted <see cref="FeaturePipeline"/> does, for the model manifest and for drift checks. Shares are
/// fractions of all training rows, missing ones included, so each input's shares and <see cref="FeatureDescription.MissingShare"/>
/// add up to 1.
/// </summary>
public sealed record FeaturizationDescription(
    bool Standardize,
    int MaxCategories,
    int TextHashBits,
    bool TextBigrams,
    int TrainingRowCount,
    int OutputLength,
    IReadOnlyList<FeatureDescription> Inputs);

/// <summary>One input: where its features sit in the output and what training taught about it. Exactly one of the kind-specific parts is set.</summary>
public sealed record FeatureDescription(
    string Name,
    ColumnKind Kind,
    int OutputOffset,
    int OutputWidth,
    double MissingShare,
    NumericFeatureDescription? Numeric,
    CategoricalFeatureDescription? Categorical,
    TextFeatureDescription? Text);

/// <param name="Count">Training values that were not missing.</param>
/// <param name="Mean">Their mean (0 when there were none).</param>
/// <param name="Std">Their population standard deviation (0 when constant or absent); standardization divides by 1 instead of 0.</param>
/// <param name="ImputedValue">What a missing value becomes before scaling: the mean when standardizing; null when it stays NaN for trees.</param>
/// <param name="BinEdges">
/// Ascending, distinct training deciles. A value falls in bin i, the number of edges strictly below it: bin 0 is
/// x ≤ BinEdges[0], bin i is BinEdges[i-1] &lt; x ≤ BinEdges[i], the last bin is x &gt; the last edge.
/// </param>
/// <param name="BinShares">One share per bin (BinEdges.Count + 1), of all training rows.</param>
public sealed record NumericFeatureDescription(
    long Count,
    double Mean,
    double Std,
    double? ImputedValue,
    double? Min,
    double? Max,
    bool IsInteger,
    IReadOnlyList<double> BinEdges,
    IReadOnlyList<double> BinShares)
{
    /// <summary>The bin of <paramref name="value"/> by the rule of <see cref="BinEdges"/>.</summary>
    public int FindBin(double value)
    {
        var low = 0;
        var high = BinEdges.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (BinEdges[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}

/// <param name="Categories">The categories with their own feature, most frequent first (ties in ordinal order); feature i is Categories[i].</param>
/// <param name="Shares">Training share of each category.</param>
/// <param name="OtherShare">Training share of values outside <paramref name="Categories"/>; unseen values at prediction land in the same "other" feature.</param>
public sealed record CategoricalFeatureDescription(
    IReadOnlyList<string> Categories,
    IReadOnlyList<double> Shares,
    double OtherShare);

/// <param name="HashBits">The input becomes 2^HashBits features.</param>
/// <param name="Sample">A short training value, for documentation; null when all were missing.</param>
public sealed record TextFeatureDescription(int HashBits, bool Bigrams, string? Sample);
