using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Prediction;

/// <summary>Writes predictions in the native API's shape: classifiers give a label and class probabilities, regressors a value.</summary>
public static class PredictionJson
{
    public static void WriteRow(Utf8JsonWriter writer, ModelManifest manifest, ReadOnlySpan<float> output)
    {
        writer.WriteStartObject();
        if (manifest.Task == ModelTask.Regression)
        {
            writer.WriteNumber("value", output[0]);
        }
        else
        {
            var labels = manifest.ClassLabels!;
            writer.WriteString("label", labels[ClassificationMetrics.ArgMax(output[..labels.Count])]);
            writer.WriteStartObject("probabilities");
            for (var c = 0; c < labels.Count; c++)
            {
                writer.WriteNumber(labels[c], output[c]);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>The whole response: which model and version served, and the prediction(s) in the request's shape.</summary>
    public static void WriteResponse(Utf8JsonWriter writer, string requestId, string model, string version, ModelManifest manifest, bool isBatch, ReadOnlySpan<float> outputs)
    {
        var width = manifest.Task == ModelTask.Regression ? 1 : manifest.ClassLabels!.Count;
        writer.WriteStartObject();
        writer.WriteString("id", requestId);
        writer.WriteString("model", model);
        writer.WriteString("version", version);
        if (isBatch)
        {
            writer.WriteStartArray("predictions");
            for (var offset = 0; offset < outputs.Length; offset += width)
            {
                WriteRow(writer, manifest, outputs.Slice(offset, width));
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WritePropertyName("prediction");
            WriteRow(writer, manifest, outputs[..width]);
        }

        writer.WriteEndObject();
    }
}
