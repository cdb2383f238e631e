namespace FunctionsMl.Engine.Training;

/// <summary>
/// A fitted model over featurized rows. Immutable and safe to call from many threads at once.
/// </summary>
public interface IPredictor
{
    /// <summary>The predictor's kind as stored in model files: "gbdt" or "linear".</summary>
    string Kind { get; }

    ModelTask Task { get; }

    /// <summary>Length of the feature span <see cref="Predict"/> expects.</summary>
    int FeatureCount { get; }

    /// <summary>Values written per row: class probabilities (binary: 2) or one regression value.</summary>
    int OutputCount { get; }

    /// <summary>Scores one row. Allocates nothing.</summary>
    /// <param name="features">Exactly <see cref="FeatureCount"/> values; NaN is missing.</param>
    /// <param name="output">At least <see cref="OutputCount"/> values.</param>
    void Predict(ReadOnlySpan<float> features, Span<float> output);

    /// <summary>Scores every row of <paramref name="features"/> into <paramref name="output"/>, row-major.</summary>
    void PredictBatch(FeatureMatrix features, Span<float> output);

    /// <summary>Writes the predictor's parameters; the matching static <c>Read(BinaryReader)</c> restores it exactly.</summary>
    void Write(BinaryWriter writer);
}
