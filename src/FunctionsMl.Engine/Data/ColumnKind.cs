using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMl.Engine.Data;

/// <summary>How a column's values are understood. In JSON it is written in camel case ("numeric").</summary>
[JsonConverter(typeof(ColumnKindJsonConverter))]
public enum ColumnKind
{
    /// <summary>Real numbers; a missing value is <see cref="float.NaN"/>.</summary>
    Numeric,

    /// <summary>A small set of labels such as "red" or "large".</summary>
    Categorical,

    /// <summary>Free text, featurized as hashed words.</summary>
    Text,
}

/// <summary>Reads and writes <see cref="ColumnKind"/> as "numeric", "categorical", "text" (case-insensitive on read).</summary>
public sealed class ColumnKindJsonConverter() : JsonStringEnumConverter<ColumnKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);
