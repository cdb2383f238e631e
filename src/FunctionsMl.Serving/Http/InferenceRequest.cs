using System.Text.Json;

namespace FunctionsMl.Serving.Http;

/// <summary>A request that breaks the Open Inference Protocol's rules; answered with 400 and the message.</summary>
public sealed class InferenceProtocolException(string message) : Exception(message);

/// <summary>One input tensor of an inference request, its data flattened row-major.</summary>
public sealed record InferenceTensor(string Name, long[] Shape, string Datatype, IReadOnlyList<JsonElement> Data);

/// <summary>A parsed and validated <c>$inference_request</c>.</summary>
public sealed record InferenceRequest(string? Id, IReadOnlyList<InferenceTensor> Inputs, IReadOnlyList<string>? Outputs)
{
    private static readonly HashSet<string> Datatypes = new(StringComparer.Ordinal)
    {
        "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES",
    };

    /// <exception cref="InferenceProtocolException">The request does not follow the protocol; the message says where.</exception>
    public static InferenceRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InferenceProtocolException("An inference request is a JSON object with an \"inputs\" array.");
        }

        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : throw new InferenceProtocolException("\"id\" must be a string.");
        }

        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            throw new InferenceProtocolException("\"inputs\" must be a non-empty array of tensors.");
        }

        var tensors = new List<InferenceTensor>();
        var index = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var tensor = ParseTensor(input, index++);
            if (tensors.Any(t => t.Name == tensor.Name))
            {
                throw new InferenceProtocolException($"Input '{tensor.Name}' appears twice.");
            }

            tensors.Add(tensor);
        }

        return new InferenceRequest(id, tensors, ParseOutputs(root));
    }

    private static InferenceTensor ParseTensor(JsonElement input, int index)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw new InferenceProtocolException($"inputs[{index}] must be an object with name, shape, datatype and data.");
        }

        var name = input.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String && nameElement.GetString() is { Length: > 0 } n
            ? n
            : throw new InferenceProtocolException($"inputs[{index}] needs a \"name\" string.");
        var datatype = input.TryGetProperty("datatype", out var datatypeElement) && datatypeElement.ValueKind == JsonValueKind.String
            ? datatypeElement.GetString()!
            : throw new InferenceProtocolException($"Input '{name}' needs a \"datatype\".");
        if (!Datatypes.Contains(datatype))
        {
            throw new InferenceProtocolException($"Input '{name}' has unknown datatype '{datatype}'; expected one of {string.Join(", ", Datatypes)}.");
        }

        if (datatype == "FP16")
        {
            throw new InferenceProtocolException($"Input '{name}' is FP16, which JSON cannot express; send FP32.");
        }

        var shape = ParseShape(input, name);
        if (!input.TryGetProperty("data", out var data))
        {
            throw new InferenceProtocolException($"Input '{name}' has no \"data\".");
        }

        var values = new List<JsonElement>();
        Flatten(data, values, name);
        var expected = shape.Aggregate(1L, (product, dimension) => product * dimension);
        if (values.Count != expected)
        {
            throw new InferenceProtocolException($"Input '{name}' has shape [{string.Join(", ", shape)}], which needs {expected} elements, but its data has {values.Count}.");
        }

        for (var i = 0; i < values.Count; i++)
        {
            CheckElement(values[i], datatype, name, i);
        }

        return new InferenceTensor(name, shape, datatype, values);
    }

    private static long[] ParseShape(JsonElement input, string name)
    {
        if (!input.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array || shapeElement.GetArrayLength() == 0)
        {
            throw new InferenceProtocolException($"Input '{name}' needs a \"shape\": an array of dimensions such as [2, 4].");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var value) || value < 0)
            {
                throw new InferenceProtocolException($"Input '{name}' has an invalid shape dimension {dimension.GetRawText()}; dimensions are whole numbers of zero or more.");
            }

            shape[i++] = value;
        }

        return shape;
    }

    private static void Flatten(JsonElement data, List<JsonElement> values, string name)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw new InferenceProtocolException($"The data of input '{name}' must be an array (nested or flat, row-major).");
        }

        foreach (var element in data.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                Flatten(element, values, name);
            }
            else
            {
                values.Add(element);
            }
        }
    }

    private static void CheckElement(JsonElement element, string datatype, string name, int index)
    {
        var ok = datatype switch
        {
            "BYTES" => element.ValueKind == JsonValueKind.String,
            "BOOL" => element.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "FP32" or "FP64" => element.ValueKind == JsonValueKind.Number,
            _ => element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var integer) && (datatype[0] != 'U' || integer >= 0),
        };
        if (!ok)
        {
            throw new InferenceProtocolException($"Input '{name}' element {index} is {element.GetRawText()}, which is not a {datatype} value.");
        }
    }

    private static string[]? ParseOutputs(JsonElement root)
    {
        if (!root.TryGetProperty("outputs", out var outputs))
        {
            return null;
        }

        if (outputs.ValueKind != JsonValueKind.Array)
        {
            throw new InferenceProtocolException("\"outputs\" must be an array of {\"name\": ...} objects.");
        }

        return [.. outputs.EnumerateArray().Select((o, i) => o.ValueKind == JsonValueKind.Object && o.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!
            : throw new InferenceProtocolException($"outputs[{i}] needs a \"name\" string."))];
    }
}
