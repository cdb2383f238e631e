namespace FunctionsMl.Engine.Training;

/// <summary>
/// Featurized rows with their labels, ready for a trainer.
/// For <see cref="ModelTask.Binary"/> and <see cref="ModelTask.Multiclass"/> a label is the class index
/// (0 .. <see cref="ClassCount"/> - 1); for <see cref="ModelTask.Regression"/> it is the target value.
/// </summary>
public sealed record LabeledData(FeatureMatrix Features, float[] Labels, ModelTask Task, int ClassCount)
{
    public int RowCount => Features.RowCount;

    /// <summary>Number of values a predictor writes per row: one per class, or one for regression.</summary>
    public int OutputCount => Task == ModelTask.Regression ? 1 : ClassCount;

    public LabeledData SelectRows(ReadOnlySpan<int> rows)
    {
        var labels = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            labels[i] = Labels[rows[i]];
        }

        return this with { Features = Features.SelectRows(rows), Labels = labels };
    }
}
