using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;
using FunctionsMl.Engine.Trainers.Gbdt;
using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Benchmarks;

/// <summary>
/// Our trainers on the shipped samples with bench/compare/sample_quality.py's split and settings, compared
/// with its scikit-learn / XGBoost figures when bench/out/sample_quality.json exists.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/FunctionsMl.Benchmarks -- sample-quality</c>. Split: data row i is a
/// test row when i % 5 == 4. GBDT settings mirror the script's XGBoost ones (50 trees, 8 leaves, learning
/// rate 0.1, L2 1, min child weight 1), linear ones its C = 1 / alpha = 1.
/// </remarks>
internal static class SampleQualityCommand
{
    public const string Name = "sample-quality";

    private static readonly (string Name, string File, string Label, ModelTask Task)[] Samples =
    [
        ("iris", "iris.csv", "species", ModelTask.Multiclass),
        ("breast-cancer", "breast_cancer.csv", "diagnosis", ModelTask.Binary),
        ("diabetes", "diabetes.csv", "progression", ModelTask.Regression),
    ];

    public static int Run(string[] args)
    {
        var root = FindRoot();
        var baseline = LoadBaseline(Path.Combine(root, "bench", "out", "sample_quality.json"));
        var worst = 0.0;
        foreach (var sample in Samples)
        {
            var data = DataLoader.Load(Path.Combine(root, "models", sample.Name, "data", sample.File));
            var rows = Enumerable.Range(0, data.RowCount).ToArray();
            var train = data.SelectRows(rows.Where(i => i % 5 != 4).ToArray());
            var test = data.SelectRows(rows.Where(i => i % 5 == 4).ToArray());
            Console.WriteLine($"{sample.Name} ({sample.Task.ToString().ToLowerInvariant()}, train {train.RowCount}, test {test.RowCount})");
            foreach (var (kind, trainer) in Trainers())
            {
                var metrics = Evaluate(sample.Task, sample.Label, trainer, train, test);
                var line = string.Join(", ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0000}")));
                Console.WriteLine($"  {kind,-6} ours   {line}");
                if (baseline?.GetProperty("samples").GetProperty(sample.Name).GetProperty(kind) is { } theirs)
                {
                    var comparison = metrics.Where(m => theirs.TryGetProperty(PythonName(m.Key), out _)).Select(m =>
                    {
                        var reference = theirs.GetProperty(PythonName(m.Key)).GetDouble();
                        var gap = MetricNames.IsLowerBetter(m.Key) ? m.Value - reference : reference - m.Value;
                        if (m.Key is not (MetricNames.Rmse or MetricNames.Mae or MetricNames.LogLoss))
                        {
                            worst = Math.Max(worst, gap);
                        }

                        return string.Create(CultureInfo.InvariantCulture, $"{m.Key} {reference:0.0000} (ours {(gap <= 0 ? "better or equal" : $"worse by {gap:0.0000}")})");
                    });
                    Console.WriteLine($"  {kind,-6} theirs {string.Join(", ", comparison)}");
                }
            }
        }

        if (baseline is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest shortfall on accuracy / F1 / AUC / R²: {worst:0.0000} (target: within 0.01)"));
        }
        else
        {
            Console.WriteLine("no bench/out/sample_quality.json: run /usr/bin/python3 bench/compare/sample_quality.py first to compare");
        }

        return 0;
    }

    private static IEnumerable<(string Kind, ITrainer Trainer)> Trainers()
    {
        yield return ("linear", new LinearTrainer(new LinearOptions { L2 = 1.0 }));
        yield return ("gbdt", new GbdtTrainer(new GbdtOptions { Trees = 50, Leaves = 8, LearningRate = 0.1, L2 = 1.0, MinRowsPerLeaf = 1, MinHessianPerLeaf = 1.0, Seed = 1 }));
    }

    private static Dictionary<string, double> Evaluate(ModelTask task, string label, ITrainer trainer, DataTable train, DataTable test)
    {
        var features = train.Columns.Where(c => c.Name != label).Select(c => new FeatureSpec(c.Name, c.Kind)).ToArray();
        var pipeline = FeaturePipeline.Fit(train, features, new FeaturizerOptions { Standardize = trainer.WantsStandardizedFeatures });
        var classes = task == ModelTask.Regression ? null : train[label].Strings!.Concat(test[label].Strings!).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
        var trainSet = Labeled(task, pipeline, train, label, classes);
        var testSet = Labeled(task, pipeline, test, label, classes);
        var predictor = trainer.Fit(trainSet, null, null, CancellationToken.None);
        var outputs = new float[testSet.RowCount * testSet.OutputCount];
        predictor.PredictBatch(testSet.Features, outputs);
        if (task == ModelTask.Regression)
        {
            var r = RegressionMetrics.Compute(testSet.Labels, outputs);
            return new() { [MetricNames.Rmse] = r.Rmse, [MetricNames.Mae] = r.Mae, [MetricNames.RSquared] = r.RSquared };
        }

        var c = ClassificationMetrics.Compute(testSet.Labels, outputs, classes!.Length);
        var result = new Dictionary<string, double> { [MetricNames.Accuracy] = c.Accuracy, [MetricNames.MacroF1] = c.MacroF1, [MetricNames.LogLoss] = c.LogLoss };
        if (c.Auc is { } auc)
        {
            result[MetricNames.Auc] = auc;
        }

        return result;
    }

    private static LabeledData Labeled(ModelTask task, FeaturePipeline pipeline, DataTable table, string label, string[]? classes)
    {
        var column = table[label];
        var labels = task == ModelTask.Regression
            ? column.Numbers!.ToArray()
            : column.Strings!.Select(s => (float)Array.IndexOf(classes!, s)).ToArray();
        return new LabeledData(pipeline.Transform(table), labels, task, classes?.Length ?? 0);
    }

    private static string PythonName(string metric) => metric switch
    {
        MetricNames.MacroF1 => "macro_f1",
        MetricNames.LogLoss => "log_loss",
        _ => metric,
    };

    private static JsonElement? LoadBaseline(string path) =>
        File.Exists(path) ? JsonDocument.Parse(File.ReadAllText(path)).RootElement : null;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository.");
    }
}
