using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Models;

/// <summary>
/// What a model version is, in JSON inside its model file and beside it in the registry: enough to serve,
/// describe and compare it without decoding its parameters.
/// </summary>
public sealed record ModelManifest
{
    public int FormatVersion { get; init; } = ModelFile.CurrentFormatVersion;

    public required string Name { get; init; }

    public required ModelTask Task { get; init; }

    public required string Label { get; init; }

    /// <summary>Class names in output order (classifiers only).</summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>The input schema: one field per feature column.</summary>
    public required IReadOnlyList<InputField> Inputs { get; init; }

    /// <summary>The output schema.</summary>
    public required IReadOnlyList<OutputField> Outputs { get; init; }

    /// <summary>A plausible input row, for documentation and smoke tests.</summary>
    public IReadOnlyDictionary<string, object?>? ExampleRow { get; init; }

    /// <summary>The fitted featurization (imputation values, categories, hashing, training distributions).</summary>
    public JsonElement? Featurization { get; init; }

    public required TrainerInfo Trainer { get; init; }

    /// <summary>Holdout metrics by name (see <see cref="MetricNames"/>).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>Holdout confusion matrix [actual][predicted] (classifiers only).</summary>
    public int[][]? ConfusionMatrix { get; init; }

    public required TrainingDataInfo TrainingData { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Where the model came from: <c>functionsml</c> for models trained here.</summary>
    public string SourceFormat { get; init; } = "functionsml";

    public string EngineVersion { get; init; } = typeof(ModelManifest).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    public static ModelManifest FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions) ?? throw new ModelFormatException("The model manifest is empty.");

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>One input field of a model.</summary>
public sealed record InputField(string Name, ColumnKind Kind);

/// <summary>One output of a model: <c>label</c> and <c>probabilities</c> for classifiers, <c>value</c> for regression.</summary>
public sealed record OutputField(string Name, string Datatype, IReadOnlyList<int> Shape);

/// <summary>The trainer that produced a model and the options it ran with, defaults filled in.</summary>
public sealed record TrainerInfo(string Type, JsonElement Options);

/// <summary>Which data a model was trained on.</summary>
public sealed record TrainingDataInfo
{
    /// <summary>SHA-256 over the training data as read (files in order, or the rows).</summary>
    public required string Fingerprint { get; init; }

    public required int Rows { get; init; }

    public required int TrainRows { get; init; }

    public required int HoldoutRows { get; init; }

    /// <summary>Rows dropped because their label was missing.</summary>
    public int RowsWithoutLabel { get; init; }

    /// <summary>The files read, with the version (ETag or hash) of each, when known.</summary>
    public IReadOnlyList<DataFileInfo>? Files { get; init; }
}

/// <summary>One training data file and the version of it that was read.</summary>
public sealed record DataFileInfo(string Path, string Version, long Size);
