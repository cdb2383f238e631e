namespace FunctionsMl.Engine.Models;

/// <summary>A model definition (model.json) that cannot be used, with the field at fault.</summary>
public sealed class ModelDefinitionException(string field, string message) : Exception($"{field}: {message}")
{
    /// <summary>The JSON path of the field at fault, e.g. <c>trainer.trees</c>.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong, without the field name.</summary>
    public string Reason { get; } = message;
}
