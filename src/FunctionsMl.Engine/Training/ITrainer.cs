namespace FunctionsMl.Engine.Training;

/// <summary>Fits a predictor. Deterministic for given data and options (seed included).</summary>
public interface ITrainer
{
    /// <summary>"gbdt" or "linear", the same as the predictor it produces.</summary>
    string Kind { get; }

    /// <summary>Whether numeric features should be standardized before this trainer sees them.</summary>
    bool WantsStandardizedFeatures { get; }

    /// <param name="train">Rows to fit.</param>
    /// <param name="validation">Rows for early stopping, when the trainer supports it; may be null.</param>
    /// <param name="progress">Called now and then with a short human-readable status; may be null.</param>
    IPredictor Fit(LabeledData train, LabeledData? validation, IProgress<string>? progress, CancellationToken cancellationToken);
}
