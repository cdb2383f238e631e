namespace FunctionsMl.Serving.Definitions;

/// <summary>
/// Where model definitions and their training data live in the store (DESIGN.md §4). Names are validated
/// before they get here.
/// <code>
/// models/&lt;name&gt;/model.json        the definition in force
/// models/&lt;name&gt;/published.json    what the publisher last uploaded, so it uploads only changes
/// training/&lt;name&gt;/...              training data: published files, feedback, new labelled rows
/// </code>
/// </summary>
public static class DefinitionPaths
{
    public const string DefinitionFileName = "model.json";

    public const string ModelsPrefix = "models/";

    public static string Definition(string model) => $"models/{model}/{DefinitionFileName}";

    public static string Publication(string model) => $"models/{model}/published.json";

    /// <summary>The prefix of a model's training data: every data file under it is part of the next run.</summary>
    public static string TrainingData(string model) => $"training/{model}/";
}
