namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Settings of <see cref="LinearTrainer"/>. Bound from a model definition's <c>trainer</c> object in camelCase
/// (<c>"l2"</c>, <c>"maxIterations"</c>, ...); anything left out keeps the default shown here.
/// </summary>
/// <remarks>
/// The objective is Σᵢ lossᵢ + (L2 / 2)·‖w‖² with the intercept not penalised, where the loss is the
/// logistic loss (binary), the softmax cross-entropy (multiclass) or half the squared error (regression).
/// That is scikit-learn's <c>LogisticRegression(C = 1 / L2)</c> and <c>Ridge(alpha = L2)</c>.
/// </remarks>
public sealed class LinearOptions
{
    /// <summary>Strength of the L2 penalty on the weights (not the intercept). Zero means none.</summary>
    /// <value>The default value is 1.0.</value>
    public double L2 { get; init; } = 1.0;

    /// <summary>Most L-BFGS iterations before training stops with the best weights so far.</summary>
    /// <value>The default value is 200.</value>
    public int MaxIterations { get; init; } = 200;

    /// <summary>Training stops once the gradient's norm has fallen to this fraction of its norm at the start.</summary>
    /// <value>The default value is 1e-6.</value>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>How many past steps L-BFGS remembers to approximate the curvature.</summary>
    /// <value>The default value is 10.</value>
    public int HistorySize { get; init; } = 10;

    /// <summary>Seed for anything randomized. The solver is deterministic and currently draws nothing.</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; init; } = 1;

    /// <summary>Threads that compute gradients; 0 means one per core. Results do not depend on it.</summary>
    /// <value>The default value is 0.</value>
    public int Threads { get; init; }

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (!double.IsFinite(L2) || L2 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(L2), L2, $"Linear option '{nameof(L2)}' must be a finite number >= 0.");
        }

        if (MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, $"Linear option '{nameof(MaxIterations)}' must be at least 1.");
        }

        if (!double.IsFinite(Tolerance) || Tolerance <= 0 || Tolerance >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, $"Linear option '{nameof(Tolerance)}' must be in (0, 1).");
        }

        if (HistorySize is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(HistorySize), HistorySize, $"Linear option '{nameof(HistorySize)}' must be in [1, 1000].");
        }

        if (Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"Linear option '{nameof(Threads)}' must be >= 0 (0 = one per core).");
        }
    }

    /// <summary>The number of threads to use: <see cref="Threads"/>, or the core count when it is 0.</summary>
    internal int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;
}
