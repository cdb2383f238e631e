using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Metrics;

namespace FunctionsMl.Engine.Models;

/// <summary>The quality of one model on one set of labelled rows.</summary>
/// <param name="Metrics">Metric values by name (<see cref="MetricNames"/>).</param>
/// <param name="ConfusionMatrix">[actual][predicted] counts, classifiers only.</param>
/// <param name="Rows">Rows scored.</param>
/// <param name="SkippedRows">Rows left out: label missing, or a class the model has never seen.</param>
public sealed record ModelEvaluation(IReadOnlyDictionary<string, double> Metrics, int[][]? ConfusionMatrix, int Rows, int SkippedRows);

/// <summary>
/// Scores a model on labelled rows. Candidate and champion go through this same code on the same rows,
/// so the retraining gate compares like with like.
/// </summary>
public static class ModelEvaluator
{
    public static ModelEvaluation Evaluate(TrainedModel model, DataTable rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        var manifest = model.Manifest;
        if (!rows.TryGetColumn(manifest.Label, out var labelColumn))
        {
            throw new ArgumentException($"The evaluation data has no label column '{manifest.Label}'.", nameof(rows));
        }

        var features = model.Pipeline.Transform(rows, cancellationToken);
        var outputs = new float[features.RowCount * model.OutputCount];
        model.Predictor.PredictBatch(features, outputs);
        return manifest.Task == ModelTask.Regression
            ? EvaluateRegression(labelColumn, outputs)
            : EvaluateClassifier(manifest.ClassLabels!, labelColumn, outputs);
    }

    private static ModelEvaluation EvaluateRegression(DataColumn labelColumn, float[] predictions)
    {
        var labels = new List<float>(predictions.Length);
        var kept = new List<float>(predictions.Length);
        for (var row = 0; row < predictions.Length; row++)
        {
            var label = LabelValues.ValueAt(labelColumn, row);
            if (!float.IsNaN(label))
            {
                labels.Add(label);
                kept.Add(predictions[row]);
            }
        }

        RequireRows(labels.Count);
        var metrics = RegressionMetrics.Compute(labels.ToArray(), kept.ToArray());
        var values = new Dictionary<string, double>
        {
            [MetricNames.Rmse] = metrics.Rmse,
            [MetricNames.Mae] = metrics.Mae,
            [MetricNames.RSquared] = metrics.RSquared,
        };
        return new ModelEvaluation(values, null, labels.Count, predictions.Length - labels.Count);
    }

    private static ModelEvaluation EvaluateClassifier(IReadOnlyList<string> classLabels, DataColumn labelColumn, float[] probabilities)
    {
        var classCount = classLabels.Count;
        var rowCount = probabilities.Length / classCount;
        var classIndex = classLabels.Select((label, index) => (label, index)).ToDictionary(p => p.label, p => p.index, StringComparer.Ordinal);
        var labels = new List<float>(rowCount);
        var kept = new List<float>(probabilities.Length);
        for (var row = 0; row < rowCount; row++)
        {
            if (LabelValues.ClassAt(labelColumn, row) is { } label && classIndex.TryGetValue(label, out var index))
            {
                labels.Add(index);
                kept.AddRange(probabilities.AsSpan(row * classCount, classCount));
            }
        }

        RequireRows(labels.Count);
        var metrics = ClassificationMetrics.Compute(labels.ToArray(), kept.ToArray(), classCount);
        var values = new Dictionary<string, double>
        {
            [MetricNames.Accuracy] = metrics.Accuracy,
            [MetricNames.MacroF1] = metrics.MacroF1,
            [MetricNames.LogLoss] = metrics.LogLoss,
        };
        if (metrics.Auc is { } auc && !double.IsNaN(auc))
        {
            values[MetricNames.Auc] = auc;
        }

        return new ModelEvaluation(values, metrics.ConfusionMatrix, labels.Count, rowCount - labels.Count);
    }

    private static void RequireRows(int rows)
    {
        if (rows == 0)
        {
            throw new ArgumentException("No evaluation row has a label the model knows.");
        }
    }
}
