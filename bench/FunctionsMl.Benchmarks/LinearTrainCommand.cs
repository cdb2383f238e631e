using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Benchmarks;

/// <summary>
/// <c>linear-train &lt;csv&gt; [--repeat N] [--threads N] [--l2 X] [--json PATH]</c>: trains binary logistic
/// regression on a numeric CSV (header row, label 0/1 in the last column) the way
/// <c>bench/compare/linear_vs_sklearn.py</c> does with scikit-learn: the first 80% of rows train, the rest test,
/// features standardized with the training rows' mean and (population) standard deviation. Prints fit time and
/// test accuracy; the first fit includes JIT compilation, the median is over the later ones.
/// </summary>
public static class LinearTrainCommand
{
    public const string Name = "linear-train";

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == Name)
        {
            // Accept the verb too, so a dispatcher may pass its arguments through whole.
            args = args[1..];
        }

        if (args.Length < 1 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"usage: {Name} <csv> [--repeat N] [--threads N] [--l2 X] [--json PATH]");
            return 2;
        }

        var path = args[0];
        var repeat = 5;
        var threads = 0;
        var l2 = 1.0;
        string? json = null;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--repeat": repeat = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--l2": l2 = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--json": json = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }

            i++;
        }

        var load = Stopwatch.StartNew();
        var (features, labels, columns) = ReadCsv(path);
        var rows = labels.Length;
        var trainRows = (int)(rows * 0.8);
        Standardize(features, columns, trainRows);
        var train = Slice(features, labels, columns, 0, trainRows);
        var test = Slice(features, labels, columns, trainRows, rows);
        Console.WriteLine(Invariant($"{path}: {rows} rows x {columns} features (read and standardized in {load.Elapsed.TotalSeconds:F2} s); train {trainRows}, test {rows - trainRows}"));

        var options = new LinearOptions { L2 = l2, Threads = threads };
        var trainer = new LinearTrainer(options);
        var seconds = new List<double>();
        LinearModel? model = null;
        var iterations = string.Empty;
        for (var run = 0; run < Math.Max(1, repeat); run++)
        {
            var progress = new LastMessage();
            var watch = Stopwatch.StartNew();
            model = (LinearModel)trainer.Fit(train, null, progress, default);
            seconds.Add(watch.Elapsed.TotalSeconds);
            iterations = progress.Message ?? string.Empty;
        }

        var output = new float[test.RowCount * 2];
        model!.PredictBatch(test.Features, output);
        var metrics = ClassificationMetrics.Compute(test.Labels, output, 2);
        var later = seconds.Count > 1 ? seconds.Skip(1).Order().ToArray() : seconds.ToArray();
        var median = later[later.Length / 2];
        Console.WriteLine(iterations);
        Console.WriteLine(Invariant($"FunctionsMl linear: accuracy {metrics.Accuracy:F4}, auc {metrics.Auc:F4}, fit first {seconds[0]:F3} s, median {median:F3} s over {later.Length} runs, threads {(threads == 0 ? Environment.ProcessorCount : threads)}"));
        if (json is not null)
        {
            var result = new Dictionary<string, object?>
            {
                ["engine"] = "FunctionsMl LinearTrainer",
                ["rows"] = rows,
                ["features"] = columns,
                ["accuracy"] = metrics.Accuracy,
                ["auc"] = metrics.Auc,
                ["log_loss"] = metrics.LogLoss,
                ["fit_seconds_first"] = seconds[0],
                ["fit_seconds_median"] = median,
                ["fit_seconds_all"] = seconds,
                ["threads"] = threads == 0 ? Environment.ProcessorCount : threads,
                ["solver"] = iterations,
            };
            File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static (float[] Features, float[] Labels, int Columns) ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty.");
        var columns = header.Split(',').Length - 1;
        var features = new List<float>();
        var labels = new List<float>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != columns + 1)
            {
                throw new InvalidDataException($"{path} line {lineNumber}: expected {columns + 1} fields, got {fields.Length}.");
            }

            for (var j = 0; j < columns; j++)
            {
                features.Add(float.Parse(fields[j], CultureInfo.InvariantCulture));
            }

            labels.Add(float.Parse(fields[columns], CultureInfo.InvariantCulture));
        }

        return (features.ToArray(), labels.ToArray(), columns);
    }

    /// <summary>As scikit-learn's StandardScaler: (x − mean) / std over the training rows, std with ddof 0.</summary>
    private static void Standardize(float[] values, int columns, int trainRows)
    {
        for (var j = 0; j < columns; j++)
        {
            double sum = 0, squares = 0;
            for (var i = 0; i < trainRows; i++)
            {
                sum += values[(i * columns) + j];
            }

            var mean = sum / trainRows;
            for (var i = 0; i < trainRows; i++)
            {
                var deviation = values[(i * columns) + j] - mean;
                squares += deviation * deviation;
            }

            var std = Math.Sqrt(squares / trainRows);
            var scale = std == 0 ? 1 : std;
            for (var i = 0; i < values.Length / columns; i++)
            {
                values[(i * columns) + j] = (float)((values[(i * columns) + j] - mean) / scale);
            }
        }
    }

    private static LabeledData Slice(float[] values, float[] labels, int columns, int start, int end)
    {
        var features = new FeatureMatrix(values[(start * columns)..(end * columns)], end - start, columns);
        return new LabeledData(features, labels[start..end], ModelTask.Binary, 2);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Keeps the trainer's last progress line: its convergence summary.</summary>
    private sealed class LastMessage : IProgress<string>
    {
        public string? Message { get; private set; }

        public void Report(string value) => Message = value;
    }
}
