using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Training rows checked and made safe for the solvers: features with NaN replaced by 0 (the same rule the
/// model applies when predicting) and labels verified against the task.
/// </summary>
internal sealed class LinearTrainingSet
{
    private LinearTrainingSet(float[] features, int rowCount, int featureCount)
    {
        Features = features;
        RowCount = rowCount;
        FeatureCount = featureCount;
    }

    public float[] Features { get; }

    public int RowCount { get; }

    public int FeatureCount { get; }

    /// <summary>Per row, the class index after dropping classes absent from the data (classification only).</summary>
    public int[] Classes { get; private init; } = [];

    /// <summary>Maps a compact class index back to the task's class index (classification only).</summary>
    public int[] PresentClasses { get; private init; } = [];

    /// <summary>The regression targets, in double.</summary>
    public double[] Targets { get; private init; } = [];

    public static LinearTrainingSet From(LabeledData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var rowCount = data.RowCount;
        if (rowCount == 0)
        {
            throw new ArgumentException("Linear training needs at least one row.", nameof(data));
        }

        if (data.Labels.Length != rowCount)
        {
            throw new ArgumentException($"There are {data.Labels.Length} labels for {rowCount} rows.", nameof(data));
        }

        var features = SanitizedFeatures(data.Features);
        var featureCount = data.Features.ColumnCount;
        if (data.Task == ModelTask.Regression)
        {
            var targets = new double[rowCount];
            for (var i = 0; i < rowCount; i++)
            {
                var label = data.Labels[i];
                if (!float.IsFinite(label))
                {
                    throw new ArgumentException($"Row {i}: the regression label is {label}; labels must be finite numbers.", nameof(data));
                }

                targets[i] = label;
            }

            return new LinearTrainingSet(features, rowCount, featureCount) { Targets = targets };
        }

        var (classes, present) = CompactClasses(data);
        return new LinearTrainingSet(features, rowCount, featureCount) { Classes = classes, PresentClasses = present };
    }

    /// <summary>The features unchanged when clean, else a copy with NaN as 0. Infinities are refused.</summary>
    private static float[] SanitizedFeatures(FeatureMatrix matrix)
    {
        var values = matrix.Values;
        float[]? copy = null;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (float.IsFinite(value))
            {
                continue;
            }

            if (!float.IsNaN(value))
            {
                var columns = Math.Max(1, matrix.ColumnCount);
                throw new ArgumentException($"Row {i / columns}, feature {i % columns} is {value}; linear training needs finite features.", nameof(matrix));
            }

            copy ??= (float[])values.Clone();
            copy[i] = 0;
        }

        return copy ?? values;
    }

    private static (int[] Classes, int[] Present) CompactClasses(LabeledData data)
    {
        var classCount = data.ClassCount;
        if (classCount < 2 || (data.Task == ModelTask.Binary && classCount != 2))
        {
            throw new ArgumentException($"A {data.Task} task cannot have {classCount} classes.", nameof(data));
        }

        var counts = new int[classCount];
        for (var i = 0; i < data.Labels.Length; i++)
        {
            var label = data.Labels[i];
            var index = (int)label;
            if (index != label || index < 0 || index >= classCount)
            {
                throw new ArgumentException($"Row {i}: label {label} is not a class index in [0, {classCount}).", nameof(data));
            }

            counts[index]++;
        }

        var compact = new int[classCount];
        var present = new List<int>(classCount);
        for (var c = 0; c < classCount; c++)
        {
            compact[c] = present.Count;
            if (counts[c] > 0)
            {
                present.Add(c);
            }
        }

        if (present.Count < 2)
        {
            throw new ArgumentException($"Linear training needs at least two classes in the training data; every row is class {present[0]}.", nameof(data));
        }

        var classes = new int[data.Labels.Length];
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = compact[(int)data.Labels[i]];
        }

        return (classes, present.ToArray());
    }
}
