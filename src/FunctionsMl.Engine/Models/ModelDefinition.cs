using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Models;

/// <summary>
/// A model service's definition, read from <c>models/&lt;name&gt;/model.json</c>: what to predict, from which
/// data, how to train, and when a new version may replace the one in production.
/// </summary>
public sealed partial record ModelDefinition
{
    public required string Name { get; init; }

    public required ModelTask Task { get; init; }

    /// <summary>The column to predict.</summary>
    public required string Label { get; init; }

    /// <summary>Features and their kinds; null means every column but the label, kinds inferred from the data.</summary>
    public IReadOnlyDictionary<string, ColumnKind>? Features { get; init; }

    public required TrainerDefinition Trainer { get; init; }

    /// <summary>Training data: a file or folder relative to the definition locally, a blob prefix in Azure.</summary>
    public string Data { get; init; } = "data/";

    public ValidationRule Validation { get; init; } = new();

    /// <summary>Six-field NCRONTAB expression (UTC) for scheduled retraining; null for none.</summary>
    public string? Schedule { get; init; }

    /// <summary>Featurization settings; the defaults suit most tabular data.</summary>
    public JsonElement? Featurization { get; init; }

    /// <summary>Model, alias and user names share one strict character set so they are safe in paths and URLs.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Parses and validates a definition.</summary>
    /// <exception cref="ModelDefinitionException">The JSON is malformed or a field is missing or invalid; names the field.</exception>
    public static ModelDefinition Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ModelDefinitionException("$", $"not valid JSON ({ex.Message})");
        }

        using (document)
        {
            return FromJson(document.RootElement.Clone());
        }
    }

    /// <summary>Reads and parses a model.json file.</summary>
    public static async Task<ModelDefinition> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return Parse(json);
        }
        catch (ModelDefinitionException ex)
        {
            throw new ModelDefinitionException(ex.Field, $"{ex.Reason} (in {path})");
        }
    }

    private static ModelDefinition FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelDefinitionException("$", "a model definition is a JSON object");
        }

        var known = new HashSet<string>(StringComparer.Ordinal) { "name", "task", "label", "features", "trainer", "data", "validation", "schedule", "featurization", "description" };
        foreach (var property in root.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw new ModelDefinitionException(property.Name, $"unknown field; expected one of {string.Join(", ", known.Order(StringComparer.Ordinal))}");
            }
        }

        var name = RequiredString(root, "name");
        if (!IsValidName(name))
        {
            throw new ModelDefinitionException("name", $"'{name}' is not a valid model name: use 1-63 lowercase letters, digits and '-', starting with a letter or digit");
        }

        var task = RequiredString(root, "task") switch
        {
            "binary" => ModelTask.Binary,
            "multiclass" => ModelTask.Multiclass,
            "regression" => ModelTask.Regression,
            var other => throw new ModelDefinitionException("task", $"'{other}' is not a task; expected binary, multiclass or regression"),
        };

        return new ModelDefinition
        {
            Name = name,
            Task = task,
            Label = RequiredString(root, "label"),
            Features = ReadFeatures(root),
            Trainer = TrainerDefinition.FromJson(root.TryGetProperty("trainer", out var trainer) ? trainer : default),
            Data = OptionalString(root, "data") ?? "data/",
            Validation = ValidationRule.FromJson(root.TryGetProperty("validation", out var validation) ? validation : default, task),
            Schedule = OptionalString(root, "schedule"),
            Featurization = root.TryGetProperty("featurization", out var featurization) && featurization.ValueKind != JsonValueKind.Null ? featurization : null,
        };
    }

    private static Dictionary<string, ColumnKind>? ReadFeatures(JsonElement root)
    {
        if (!root.TryGetProperty("features", out var features) || features.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (features.ValueKind != JsonValueKind.Object)
        {
            throw new ModelDefinitionException("features", "expected an object mapping each feature column to numeric, categorical or text");
        }

        var result = new Dictionary<string, ColumnKind>(StringComparer.Ordinal);
        foreach (var feature in features.EnumerateObject())
        {
            result[feature.Name] = feature.Value.ValueKind == JsonValueKind.String ? feature.Value.GetString() switch
            {
                "numeric" => ColumnKind.Numeric,
                "categorical" => ColumnKind.Categorical,
                "text" => ColumnKind.Text,
                var other => throw new ModelDefinitionException($"features.{feature.Name}", $"'{other}' is not a feature kind; expected numeric, categorical or text"),
            }
            : throw new ModelDefinitionException($"features.{feature.Name}", "expected \"numeric\", \"categorical\" or \"text\"");
        }

        if (result.Count == 0)
        {
            throw new ModelDefinitionException("features", "lists no feature; omit it to use every column but the label");
        }

        return result;
    }

    internal static string RequiredString(JsonElement parent, string name, string? path = null) =>
        OptionalString(parent, name, path) ?? throw new ModelDefinitionException(path ?? name, "is required");

    internal static string? OptionalString(JsonElement parent, string name, string? path = null)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new ModelDefinitionException(path ?? name, "expected a non-empty string");
    }

    internal static double? OptionalNumber(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
            ? number
            : throw new ModelDefinitionException(path, $"expected a number, got {value.GetRawText()}");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

/// <summary>Which trainer to use and its options, as written in the definition.</summary>
/// <param name="Type"><c>gbdt</c> or <c>linear</c>.</param>
/// <param name="Options">The remaining fields of the trainer object (camelCase option names).</param>
public sealed record TrainerDefinition(string Type, JsonElement Options)
{
    internal static TrainerDefinition FromJson(JsonElement trainer)
    {
        if (trainer.ValueKind != JsonValueKind.Object)
        {
            throw new ModelDefinitionException("trainer", "is required: an object with \"type\": \"gbdt\" or \"linear\" and its options");
        }

        var type = ModelDefinition.RequiredString(trainer, "type", "trainer.type");
        if (type is not ("gbdt" or "linear"))
        {
            throw new ModelDefinitionException("trainer.type", $"'{type}' is not a trainer; expected gbdt or linear");
        }

        return new TrainerDefinition(type, trainer);
    }
}

/// <summary>When a newly trained model is good enough to serve (DESIGN.md §5).</summary>
public sealed record ValidationRule
{
    /// <summary>Share of rows held out to evaluate candidate and champion; default 0.2.</summary>
    public double Holdout { get; init; } = 0.2;

    /// <summary>The metric compared; defaults to accuracy for classifiers and rmse for regression.</summary>
    public string Metric { get; init; } = MetricNames.Accuracy;

    /// <summary>How much better than the champion the candidate must be on <see cref="Metric"/>; default 0.</summary>
    public double MinImprovement { get; init; }

    /// <summary>The worst acceptable value of <see cref="Metric"/> (a ceiling when lower is better); null for none.</summary>
    public double? Minimum { get; init; }

    /// <summary>Seed of the train/holdout split.</summary>
    public int Seed { get; init; } = 1;

    internal static ValidationRule FromJson(JsonElement validation, ModelTask task)
    {
        var rule = new ValidationRule { Metric = MetricNames.DefaultFor(task) };
        if (validation.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return rule;
        }

        if (validation.ValueKind != JsonValueKind.Object)
        {
            throw new ModelDefinitionException("validation", "expected an object");
        }

        var holdout = ModelDefinition.OptionalNumber(validation, "holdout", "validation.holdout") ?? rule.Holdout;
        if (holdout is <= 0 or >= 1)
        {
            throw new ModelDefinitionException("validation.holdout", $"must be between 0 and 1 (exclusive), got {holdout.ToString(CultureInfo.InvariantCulture)}");
        }

        var metricName = ModelDefinition.OptionalString(validation, "metric", "validation.metric") ?? rule.Metric;
        var metric = MetricNames.Canonical(task, metricName)
            ?? throw new ModelDefinitionException("validation.metric", $"'{metricName}' is not a metric of {task.ToString().ToLowerInvariant()} models; expected one of {string.Join(", ", MetricNames.For(task))}");
        var minImprovement = ModelDefinition.OptionalNumber(validation, "minImprovement", "validation.minImprovement") ?? 0;
        if (minImprovement < 0)
        {
            throw new ModelDefinitionException("validation.minImprovement", "must not be negative");
        }

        var seed = ModelDefinition.OptionalNumber(validation, "seed", "validation.seed") ?? 1;
        return rule with
        {
            Holdout = holdout,
            Metric = metric,
            MinImprovement = minImprovement,
            Minimum = ModelDefinition.OptionalNumber(validation, "minimum", "validation.minimum"),
            Seed = (int)seed,
        };
    }
}
