using System.Text.Json;

namespace FunctionsMl.Serving.Prediction;

/// <summary>
/// The rows of a native prediction request: one JSON object, or a batch <c>{"instances": [{...}, ...]}</c>.
/// </summary>
public sealed class PredictionRows
{
    private PredictionRows(IReadOnlyList<JsonElement> rows, bool isBatch)
    {
        Rows = rows;
        IsBatch = isBatch;
    }

    public IReadOnlyList<JsonElement> Rows { get; }

    /// <summary>Whether the request was a batch; the response mirrors the request's shape.</summary>
    public bool IsBatch { get; }

    /// <summary>Field path of row <paramref name="index"/> in the request, for error messages.</summary>
    public string PathOf(int index) => IsBatch ? $"instances[{index}]" : "$";

    /// <exception cref="PredictionInputException">Not an object, or a batch that is empty, too large or holds a non-object.</exception>
    public static PredictionRows From(JsonElement body, int maxBatchRows)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new PredictionInputException("$", $"The request body must be a JSON object (one row) or {{\"instances\": [...]}} (a batch), not {Describe(body.ValueKind)}.");
        }

        // A body whose only field is an "instances" array is a batch; anything else is one row.
        if (!IsBatchShape(body, out var instances))
        {
            return new PredictionRows([body], isBatch: false);
        }

        var count = instances.GetArrayLength();
        if (count == 0)
        {
            throw new PredictionInputException("instances", "The batch is empty: send at least one row in \"instances\".");
        }

        if (count > maxBatchRows)
        {
            throw new PredictionInputException("instances", $"The batch has {count} rows; the limit is {maxBatchRows}. Split it, or score a file instead.");
        }

        var rows = new JsonElement[count];
        var index = 0;
        foreach (var row in instances.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
            {
                throw new PredictionInputException($"instances[{index}]", $"Each instance must be a JSON object of feature values, not {Describe(row.ValueKind)}.");
            }

            rows[index++] = row;
        }

        return new PredictionRows(rows, isBatch: true);
    }

    private static bool IsBatchShape(JsonElement body, out JsonElement instances)
    {
        instances = default;
        var fields = 0;
        foreach (var property in body.EnumerateObject())
        {
            fields++;
            if (property.NameEquals("instances"))
            {
                instances = property.Value;
            }
        }

        if (instances.ValueKind == JsonValueKind.Undefined)
        {
            return false;
        }

        if (fields != 1 || instances.ValueKind != JsonValueKind.Array)
        {
            throw new PredictionInputException("instances", "A batch is {\"instances\": [ {row}, ... ]} with no other field.");
        }

        return true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "empty",
    };
}
