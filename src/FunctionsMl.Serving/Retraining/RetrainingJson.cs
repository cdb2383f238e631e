using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// How run records and activity inputs and outputs are written: web defaults (camelCase), enums as
/// camelCase strings, nulls left out. The local runner round-trips every activity input and output
/// through these options, as Durable Functions does through its history, so a record that does not
/// survive JSON fails locally too.
/// </summary>
public static class RetrainingJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>The same, indented: for run records people read.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,

            // Records are read by people and served as JSON, never embedded in HTML: keep "≥" and quotes in ETags readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,

            // A metric can be NaN (an AUC with one class in the holdout); JSON has no such number.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
