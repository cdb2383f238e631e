using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Models;

/// <summary>What one training produced: the candidate, its holdout evaluation, and the split it used.</summary>
/// <param name="HoldoutRows">The held-out rows, so a champion can be scored on exactly the same ones.</param>
public sealed record TrainingResult(TrainedModel Model, ModelEvaluation Holdout, DataTable HoldoutRows);

/// <summary>
/// Trains a model as its definition says: choose features, encode the label, split off a holdout, fit the
/// featurization and the trainer on the training part only, and evaluate on the holdout.
/// </summary>
public sealed class ModelBuilder(TimeProvider timeProvider)
{
    /// <summary>Share of training rows set aside for early stopping when the trainer asks for it.</summary>
    private const double EarlyStoppingFraction = 0.1;

    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <param name="data">Every row available for training (labelled; rows without a label are dropped).</param>
    /// <param name="fingerprint">Identifies the data as read (e.g. SHA-256 of the files), recorded in the manifest.</param>
    /// <param name="files">The files read and their versions, when known.</param>
    /// <exception cref="ModelDefinitionException">The definition does not fit the data (missing label or feature columns, wrong label kind, one class).</exception>
    public TrainingResult Train(
        ModelDefinition definition,
        DataTable data,
        string fingerprint,
        IReadOnlyList<DataFileInfo>? files = null,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(data);
        var labelColumn = data.TryGetColumn(definition.Label, out var column)
            ? column
            : throw new ModelDefinitionException("label", $"column '{definition.Label}' is not in the data; columns are {string.Join(", ", data.Columns.Select(c => c.Name))}");

        var (trainer, effectiveOptions) = TrainerFactory.Create(definition.Trainer);
        var features = ChooseFeatures(definition, data);
        var (labelled, classLabels, strata) = LabelledRows(definition, labelColumn);
        var split = HoldoutSplit.Create(labelled.Length, definition.Validation.Holdout, definition.Validation.Seed, strata);
        var trainTable = data.SelectRows(Pick(labelled, split.TrainRows));
        var holdoutTable = data.SelectRows(Pick(labelled, split.HoldoutRows));
        progress?.Report($"{labelled.Length} labelled rows: {split.TrainRows.Length} to train, {split.HoldoutRows.Length} held out");

        var featurizerOptions = ReadFeaturizerOptions(definition, trainer.WantsStandardizedFeatures);
        var pipeline = FeaturePipeline.Fit(trainTable, features, featurizerOptions, cancellationToken);
        var trainSet = ToLabeledData(definition.Task, pipeline, trainTable, labelColumn.Name, classLabels, cancellationToken);
        var (fitSet, earlyStoppingSet) = SplitForEarlyStopping(trainSet, definition);
        progress?.Report($"training {trainer.Kind} on {fitSet.RowCount} rows x {pipeline.OutputLength} features");
        var predictor = trainer.Fit(fitSet, earlyStoppingSet, progress, cancellationToken);

        var manifest = new ModelManifest
        {
            Name = definition.Name,
            Task = definition.Task,
            Label = definition.Label,
            ClassLabels = classLabels,
            Inputs = [.. pipeline.Inputs.Select(f => new InputField(f.Name, f.Kind))],
            Outputs = Outputs(definition.Task, classLabels),
            ExampleRow = pipeline.ExampleRow,
            Featurization = JsonSerializer.SerializeToElement(pipeline.Describe(), ModelManifest.JsonOptions),
            Trainer = new TrainerInfo(trainer.Kind, effectiveOptions),
            Metrics = new Dictionary<string, double>(),
            TrainingData = new TrainingDataInfo
            {
                Fingerprint = fingerprint,
                Rows = data.RowCount,
                TrainRows = split.TrainRows.Length,
                HoldoutRows = split.HoldoutRows.Length,
                RowsWithoutLabel = data.RowCount - labelled.Length,
                Files = files,
            },
            CreatedAt = timeProvider.GetUtcNow(),
        };

        // Evaluate through the same path a champion takes, then record the result in the manifest.
        var unscored = new TrainedModel(manifest, pipeline, predictor);
        var holdout = ModelEvaluator.Evaluate(unscored, holdoutTable, cancellationToken);
        progress?.Report("holdout " + string.Join(", ", holdout.Metrics.Select(m => $"{m.Key} {m.Value:0.####}")));
        var model = new TrainedModel(manifest with { Metrics = holdout.Metrics, ConfusionMatrix = holdout.ConfusionMatrix }, pipeline, predictor);
        return new TrainingResult(model, holdout, holdoutTable);
    }

    private static IReadOnlyList<FeatureSpec> ChooseFeatures(ModelDefinition definition, DataTable data)
    {
        if (definition.Features is { } declared)
        {
            foreach (var name in declared.Keys)
            {
                if (name == definition.Label)
                {
                    throw new ModelDefinitionException($"features.{name}", "is the label; a model cannot take its label as a feature");
                }

                if (!data.TryGetColumn(name, out _))
                {
                    throw new ModelDefinitionException($"features.{name}", $"column '{name}' is not in the data");
                }
            }

            return [.. declared.Select(f => new FeatureSpec(f.Key, f.Value))];
        }

        var inferred = data.Columns.Where(c => c.Name != definition.Label).Select(c => new FeatureSpec(c.Name, c.Kind)).ToArray();
        return inferred.Length > 0 ? inferred : throw new ModelDefinitionException("features", "the data has no column besides the label");
    }

    /// <summary>Rows with a label, the class names in output order, and each row's class for stratifying.</summary>
    private static (int[] Rows, string[]? ClassLabels, int[]? Strata) LabelledRows(ModelDefinition definition, DataColumn labelColumn)
    {
        var rowCount = labelColumn.Numbers?.Length ?? labelColumn.Strings!.Length;
        if (definition.Task == ModelTask.Regression)
        {
            var rows = Enumerable.Range(0, rowCount).Where(r => !float.IsNaN(LabelValues.ValueAt(labelColumn, r))).ToArray();
            return (RequireRows(rows, definition), null, null);
        }

        var labelled = Enumerable.Range(0, rowCount).Select(r => (Row: r, Class: LabelValues.ClassAt(labelColumn, r))).Where(x => x.Class is not null).ToArray();
        var classes = LabelValues.OrderClasses(labelled.Select(x => x.Class!));
        if (classes.Length < 2)
        {
            throw new ModelDefinitionException("label", $"column '{labelColumn.Name}' has {classes.Length} distinct value(s); a classifier needs at least two classes");
        }

        if (definition.Task == ModelTask.Binary && classes.Length != 2)
        {
            throw new ModelDefinitionException("task", $"binary needs exactly two classes, but '{labelColumn.Name}' has {classes.Length} ({string.Join(", ", classes.Take(10))}); use multiclass");
        }

        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        return (RequireRows([.. labelled.Select(x => x.Row)], definition), classes, [.. labelled.Select(x => index[x.Class!])]);
    }

    private static int[] RequireRows(int[] rows, ModelDefinition definition) =>
        rows.Length >= 2 ? rows : throw new ModelDefinitionException("label", $"only {rows.Length} row(s) have a value in '{definition.Label}'; training needs at least two");

    private static int[] Pick(int[] rows, int[] positions) => [.. positions.Select(p => rows[p])];

    private static LabeledData ToLabeledData(ModelTask task, FeaturePipeline pipeline, DataTable table, string label, string[]? classLabels, CancellationToken cancellationToken)
    {
        var features = pipeline.Transform(table, cancellationToken);
        var labelColumn = table[label];
        var labels = new float[table.RowCount];
        if (task == ModelTask.Regression)
        {
            for (var row = 0; row < labels.Length; row++)
            {
                labels[row] = LabelValues.ValueAt(labelColumn, row);
            }

            return new LabeledData(features, labels, task, 0);
        }

        var index = classLabels!.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (float)p.i, StringComparer.Ordinal);
        for (var row = 0; row < labels.Length; row++)
        {
            labels[row] = index[LabelValues.ClassAt(labelColumn, row)!];
        }

        return new LabeledData(features, labels, task, classLabels!.Length);
    }

    private static (LabeledData Fit, LabeledData? EarlyStopping) SplitForEarlyStopping(LabeledData train, ModelDefinition definition)
    {
        if (!definition.Trainer.Options.TryGetProperty("earlyStoppingRounds", out var rounds) || rounds.ValueKind != JsonValueKind.Number || rounds.GetInt32() <= 0 || train.RowCount < 20)
        {
            return (train, null);
        }

        // Early stopping must not peek at the holdout the gate judges by, so it gets its own slice of the training rows.
        var split = HoldoutSplit.Create(train.RowCount, EarlyStoppingFraction, definition.Validation.Seed + 1);
        return (train.SelectRows(split.TrainRows), train.SelectRows(split.HoldoutRows));
    }

    /// <summary>The definition's featurization settings; standardization is the trainer's call, not the user's.</summary>
    private static FeaturizerOptions ReadFeaturizerOptions(ModelDefinition definition, bool standardize)
    {
        FeaturizerOptions configured;
        try
        {
            configured = definition.Featurization?.Deserialize<FeaturizerOptions>(StrictJson) ?? new FeaturizerOptions();
        }
        catch (JsonException ex)
        {
            throw new ModelDefinitionException("featurization", $"is not valid ({ex.Message})");
        }

        return new FeaturizerOptions
        {
            Standardize = standardize,
            MaxCategories = configured.MaxCategories,
            TextHashBits = configured.TextHashBits,
            TextBigrams = configured.TextBigrams,
        };
    }

    private static OutputField[] Outputs(ModelTask task, string[]? classLabels) => task == ModelTask.Regression
        ? [new OutputField("value", "FP32", [-1])]
        : [new OutputField("label", "BYTES", [-1]), new OutputField("probabilities", "FP32", [-1, classLabels!.Length])];
}
