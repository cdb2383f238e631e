using System.Security.Cryptography;
using System.Text.Json;
using FunctionsMl.Engine.Interop.LightGbm;
using FunctionsMl.Engine.Interop.Onnx;
using FunctionsMl.Engine.Interop.XGBoost;
using FunctionsMl.Engine.Models;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Interop;

/// <summary>
/// Turns a model file trained elsewhere (ONNX, XGBoost JSON, LightGBM text) into a <see cref="TrainedModel"/>:
/// a pass-through featurization of the file's inputs, a predictor that evaluates the file natively, and a manifest
/// recording the source format, inputs, outputs, task and class labels. The original file is embedded in the model
/// payload, so the FunctionsMl model file reproduces it exactly. Everything that cannot be served is refused here.
/// </summary>
public static class ExternalModelImporter
{
    /// <param name="format">The file's format; detected from the content when null.</param>
    /// <exception cref="ModelImportException">The file is malformed, or uses an operator, attribute, objective or type this engine does not implement; the message names it.</exception>
    public static TrainedModel Import(string name, ReadOnlyMemory<byte> file, ExternalModelFormat? format, ExternalModelOptions? options, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= new ExternalModelOptions();
        if (file.IsEmpty)
        {
            throw new ModelImportException("The model file is empty.");
        }

        if (file.Length > SourceBytes.MaxLength)
        {
            throw new ModelImportException($"The model file is {file.Length} bytes; at most {SourceBytes.MaxLength} are accepted.");
        }

        var actual = format ?? ExternalModelFormats.Detect(file.Span);
        var source = file.ToArray();
        if (actual != ExternalModelFormat.Onnx && options.Output is not null)
        {
            throw new ModelImportException("An output name applies to ONNX models only.");
        }

        var (predictor, features, labels, details) = actual switch
        {
            ExternalModelFormat.Onnx => FromOnnx(source, options),
            ExternalModelFormat.XGBoost => FromXGBoost(source, options),
            _ => FromLightGbm(source, options),
        };

        if (options.ClassLabels is { } given)
        {
            if (predictor.Task == ModelTask.Regression)
            {
                throw new ModelImportException("Class labels were given for a regression model.");
            }

            if (given.Count != predictor.OutputCount || given.Any(string.IsNullOrEmpty) || given.Distinct(StringComparer.Ordinal).Count() != given.Count)
            {
                throw new ModelImportException($"{given.Count} class labels were given; the model has {predictor.OutputCount} classes, which need distinct, non-empty names.");
            }

            labels = given;
        }

        var pipeline = PassThroughPipeline.For(features);
        var manifest = new ModelManifest
        {
            Name = name,
            Task = predictor.Task,
            Label = options.Label ?? "label",
            ClassLabels = labels,
            Inputs = [.. features.Select(f => new InputField(f, Data.ColumnKind.Numeric))],
            Outputs = predictor.Task == ModelTask.Regression
                ? [new OutputField("value", "FP32", [-1])]
                : [new OutputField("label", "BYTES", [-1]), new OutputField("probabilities", "FP32", [-1, predictor.OutputCount])],
            ExampleRow = features.ToDictionary(f => f, _ => (object?)0.0, StringComparer.Ordinal),
            Featurization = JsonSerializer.SerializeToElement(pipeline.Describe(), ModelManifest.JsonOptions),
            Trainer = new TrainerInfo(actual.Name(), JsonSerializer.SerializeToElement(details, ModelManifest.JsonOptions)),
            Metrics = new Dictionary<string, double>(),
            TrainingData = new TrainingDataInfo
            {
                Fingerprint = Convert.ToHexStringLower(SHA256.HashData(source)),
                Rows = 0,
                TrainRows = 0,
                HoldoutRows = 0,
            },
            CreatedAt = timeProvider.GetUtcNow(),
            SourceFormat = actual.Name(),
        };
        return new TrainedModel(manifest, pipeline, predictor);
    }

    private static (IPredictor, IReadOnlyList<string>, IReadOnlyList<string>?, Dictionary<string, object?>) FromOnnx(byte[] source, ExternalModelOptions options)
    {
        var predictor = OnnxPredictor.Create(source, options.Task, options.Output);
        var model = predictor.Model;
        var details = new Dictionary<string, object?>
        {
            ["producer"] = model.ProducerName,
            ["producerVersion"] = model.ProducerVersion,
            ["irVersion"] = model.IrVersion,
            ["opsets"] = model.Opsets,
            ["operators"] = model.Operators,
            ["output"] = predictor.Serving.Output.Name,
        };
        return (predictor, predictor.Serving.FeatureNames, predictor.Serving.ClassLabels, details);
    }

    private static (IPredictor, IReadOnlyList<string>, IReadOnlyList<string>?, Dictionary<string, object?>) FromXGBoost(byte[] source, ExternalModelOptions options)
    {
        var predictor = XGBoostPredictor.Create(source);
        CheckTask(predictor.Task, options.Task, predictor.Model.Objective);
        var details = new Dictionary<string, object?>
        {
            ["version"] = predictor.Model.Version,
            ["objective"] = predictor.Model.Objective,
            ["trees"] = predictor.Forest.TreeCount,
            ["nodes"] = predictor.Forest.NodeCount,
        };
        return (predictor, predictor.Model.FeatureNames, Labels(predictor), details);
    }

    private static (IPredictor, IReadOnlyList<string>, IReadOnlyList<string>?, Dictionary<string, object?>) FromLightGbm(byte[] source, ExternalModelOptions options)
    {
        var predictor = LightGbmPredictor.Create(source);
        CheckTask(predictor.Task, options.Task, predictor.Model.Objective);
        var details = new Dictionary<string, object?>
        {
            ["version"] = predictor.Model.Version,
            ["objective"] = predictor.Model.Objective,
            ["trees"] = predictor.Forest.TreeCount,
            ["nodes"] = predictor.Forest.NodeCount,
        };
        return (predictor, predictor.Model.FeatureNames, Labels(predictor), details);
    }

    private static IReadOnlyList<string>? Labels(IPredictor predictor) => predictor.Task == ModelTask.Regression
        ? null
        : [.. Enumerable.Range(0, predictor.OutputCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static void CheckTask(ModelTask actual, ModelTask? requested, string objective)
    {
        if (requested is { } task && task != actual)
        {
            throw new ModelImportException($"The objective '{objective}' makes this a {actual.ToString().ToLowerInvariant()} model; it cannot be served as {task.ToString().ToLowerInvariant()}.");
        }
    }
}
