using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Definitions;

/// <summary>A model definition as the store holds it.</summary>
/// <param name="Path">Its object path, <c>models/&lt;name&gt;/model.json</c>.</param>
/// <param name="ETag">The version read; a run records it so the definition it used is known exactly.</param>
/// <param name="Json">The definition's text as stored.</param>
public sealed record StoredDefinition(ModelDefinition Definition, string Path, string ETag, string Json)
{
    public string Name => Definition.Name;
}
