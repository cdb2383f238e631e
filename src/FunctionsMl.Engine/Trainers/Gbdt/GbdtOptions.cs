namespace FunctionsMl.Engine.Trainers.Gbdt;

/// <summary>
/// Settings of the gradient-boosted tree trainer. Bound from a model definition's <c>trainer</c>
/// object (camelCase names); every property has a default, so <c>{ "type": "gbdt" }</c> is enough.
/// The defaults match LightGBM's where the two overlap.
/// </summary>
public sealed class GbdtOptions
{
    /// <summary>The largest <see cref="MaxBins"/>: one byte holds a value's bin, bin 0 being "missing".</summary>
    public const int MaxBinsLimit = 255;

    /// <summary>Boosting rounds; multiclass models grow one tree per class per round. Default 100.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>Most leaves per tree (trees grow best leaf first). Default 31.</summary>
    public int Leaves { get; init; } = 31;

    /// <summary>Deepest a leaf may be, the root being depth 0; 0 means no limit beyond <see cref="Leaves"/>. Default 0.</summary>
    public int MaxDepth { get; init; }

    /// <summary>Shrinkage applied to every leaf value. Default 0.1.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>L2 penalty (lambda) on leaf values, in gains and in leaf values. Default 1.</summary>
    public double L2 { get; init; } = 1.0;

    /// <summary>Fewest training rows a leaf may hold. Default 20.</summary>
    public int MinRowsPerLeaf { get; init; } = 20;

    /// <summary>Smallest sum of hessians a leaf may hold (XGBoost's min_child_weight). Default 1e-3.</summary>
    public double MinHessianPerLeaf { get; init; } = 1e-3;

    /// <summary>Share of rows each tree is grown on, drawn without replacement per round. Default 1 (all rows).</summary>
    public double RowSubsample { get; init; } = 1.0;

    /// <summary>Share of features each tree may split on, drawn per tree. Default 1 (all features).</summary>
    public double FeatureSubsample { get; init; } = 1.0;

    /// <summary>Most value bins per feature (missing values have a bin of their own besides), at most 255. Default 255.</summary>
    public int MaxBins { get; init; } = MaxBinsLimit;

    /// <summary>
    /// Stop when the validation loss has not improved for this many rounds and keep the best round's trees;
    /// 0 turns early stopping off. Needs the validation set given to Fit. Default 0.
    /// </summary>
    public int EarlyStoppingRounds { get; init; }

    /// <summary>Seed of row and feature subsampling and of the binning sample. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads used for training; 0 means <see cref="Environment.ProcessorCount"/>. The model does not depend on it. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>Throws when an option is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Trees, 1, nameof(Trees));
        ArgumentOutOfRangeException.ThrowIfLessThan(Leaves, 2, nameof(Leaves));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxDepth, nameof(MaxDepth));
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a finite number above 0.");
        }

        if (!double.IsFinite(L2) || L2 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(L2), L2, "L2 must be a finite number of at least 0.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinRowsPerLeaf, 1, nameof(MinRowsPerLeaf));
        if (!double.IsFinite(MinHessianPerLeaf) || MinHessianPerLeaf < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinHessianPerLeaf), MinHessianPerLeaf, "MinHessianPerLeaf must be a finite number of at least 0.");
        }

        if (L2 == 0 && MinHessianPerLeaf == 0)
        {
            throw new ArgumentException("L2 and MinHessianPerLeaf cannot both be 0: a leaf with no hessian would have no defined value.", nameof(MinHessianPerLeaf));
        }

        ThrowUnlessShare(RowSubsample, nameof(RowSubsample));
        ThrowUnlessShare(FeatureSubsample, nameof(FeatureSubsample));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBins, 2, nameof(MaxBins));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBins, MaxBinsLimit, nameof(MaxBins));
        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingRounds, nameof(EarlyStoppingRounds));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
    }

    internal int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    private static void ThrowUnlessShare(double value, string name)
    {
        if (!(value > 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be above 0 and at most 1.");
        }
    }
}
