using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Featurization;

/// <summary>A model input: the column it reads and how its values are understood.</summary>
public sealed record FeatureSpec(string Name, ColumnKind Kind);
