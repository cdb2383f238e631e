using System.Diagnostics;
using System.Globalization;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Trainers.Gbdt;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Benchmarks;

/// <summary>
/// Our side of bench/compare/gbdt_vs_xgboost.sh: trains on the CSV the Python side wrote, with the same
/// split (last 20% held out), and prints one JSON line per run in the Python side's shape.
/// Usage: gbdt-train &lt;csv&gt; [--task binary|multiclass|regression] [--threads N] [--repeat N] [--min-rows-per-leaf N].
/// </summary>
internal static class GbdtTrainCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: gbdt-train <csv> [--task binary|multiclass|regression] [--threads N] [--repeat N] [--min-rows-per-leaf N]");
            return 2;
        }

        var threads = IntOption(args, "--threads", 2);
        var repeat = IntOption(args, "--repeat", 3);
        var minRows = IntOption(args, "--min-rows-per-leaf", new GbdtOptions().MinRowsPerLeaf);
        var task = Enum.Parse<ModelTask>(StringOption(args, "--task", "binary"), ignoreCase: true);
        var (features, labels) = ReadCsv(args[0]);
        var cut = features.RowCount * 4 / 5;
        var classes = task == ModelTask.Regression ? 1 : (int)labels.Max() + 1;
        var all = new LabeledData(features, labels, task, classes);
        var train = all.SelectRows([.. Enumerable.Range(0, cut)]);
        var test = all.SelectRows([.. Enumerable.Range(cut, features.RowCount - cut)]);
        var options = new GbdtOptions { Threads = threads, MinRowsPerLeaf = minRows };
        for (var run = 1; run <= repeat; run++)
        {
            var stopwatch = Stopwatch.StartNew();
            var model = new GbdtTrainer(options).Fit(train, null);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var predictions = new float[test.RowCount * model.OutputCount];
            model.PredictBatch(test.Features, predictions);
            var side = string.Create(CultureInfo.InvariantCulture, $$"""{"side": "FunctionsMl gbdt (minRowsPerLeaf {{minRows}})", "task": "{{task.ToString().ToLowerInvariant()}}", "run": {{run}}, "train_seconds": {{seconds:F3}}""");
            Console.WriteLine(side + Quality(task, test.Labels, predictions, classes) + "}");
        }

        return 0;
    }

    private static string Quality(ModelTask task, float[] labels, float[] predictions, int classes)
    {
        if (task == ModelTask.Regression)
        {
            var regression = RegressionMetrics.Compute(labels, predictions);
            return string.Create(CultureInfo.InvariantCulture, $", \"rmse\": {regression.Rmse:F5}, \"r2\": {regression.RSquared:F5}");
        }

        var metrics = ClassificationMetrics.Compute(labels, predictions, classes);
        return task == ModelTask.Binary
            ? string.Create(CultureInfo.InvariantCulture, $", \"accuracy\": {metrics.Accuracy:F5}, \"auc\": {metrics.Auc:F5}")
            : string.Create(CultureInfo.InvariantCulture, $", \"accuracy\": {metrics.Accuracy:F5}, \"logloss\": {metrics.LogLoss:F5}");
    }

    /// <summary>A header line, then comma-separated floats with the label last: all the comparison data needs.</summary>
    private static (FeatureMatrix Features, float[] Labels) ReadCsv(string path)
    {
        var lines = File.ReadLines(path).Skip(1).Where(line => line.Length > 0).ToList();
        var columns = lines[0].Split(',').Length - 1;
        var features = new FeatureMatrix(lines.Count, columns);
        var labels = new float[lines.Count];
        for (var row = 0; row < lines.Count; row++)
        {
            var fields = lines[row].Split(',');
            for (var column = 0; column < columns; column++)
            {
                features[row, column] = float.Parse(fields[column], CultureInfo.InvariantCulture);
            }

            labels[row] = float.Parse(fields[columns], CultureInfo.InvariantCulture);
        }

        return (features, labels);
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        int.Parse(StringOption(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string StringOption(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
