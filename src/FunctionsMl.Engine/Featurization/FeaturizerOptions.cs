namespace FunctionsMl.Engine.Featurization;

/// <summary>How a <see cref="FeaturePipeline"/> turns inputs into features; fixed when it is fitted.</summary>
public sealed class FeaturizerOptions
{
    /// <summary>The largest <see cref="TextHashBits"/>: a million features per text input.</summary>
    public const int MaxTextHashBits = 20;

    /// <summary>
    /// Scale numeric features to zero mean and unit variance, imputing missing values with the mean. Linear models
    /// want it; trees do not (they split on raw values and route missing values themselves).
    /// </summary>
    /// <value>The default is false.</value>
    public bool Standardize { get; init; }

    /// <summary>Most frequent categories of a categorical input that get their own feature; the rest share one.</summary>
    /// <value>The default is 100.</value>
    public int MaxCategories { get; init; } = 100;

    /// <summary>A text input becomes 2^TextHashBits hashed word counts (1 to <see cref="MaxTextHashBits"/>).</summary>
    /// <value>The default is 10 (1024 features).</value>
    public int TextHashBits { get; init; } = 10;

    /// <summary>Count adjacent word pairs as well as single words.</summary>
    /// <value>The default is true.</value>
    public bool TextBigrams { get; init; } = true;

    internal void Validate()
    {
        if (MaxCategories < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCategories), MaxCategories, "FeaturizerOptions.MaxCategories must be at least 1.");
        }

        if (TextHashBits is < 1 or > MaxTextHashBits)
        {
            throw new ArgumentOutOfRangeException(nameof(TextHashBits), TextHashBits, $"FeaturizerOptions.TextHashBits must be from 1 to {MaxTextHashBits}.");
        }
    }
}
