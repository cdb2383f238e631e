using System.Buffers;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Models;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Serving.Prediction;

/// <summary>Featurizes and scores the rows of a request with one model version.</summary>
public static class RowScorer
{
    /// <summary>Errors beyond this many are summarised, so one bad batch cannot produce a huge response.</summary>
    private const int MaxReportedErrors = 20;

    /// <summary>Scores every row, or reports every bad field (up to a limit) without scoring any.</summary>
    /// <returns>Row-major outputs, <see cref="TrainedModel.OutputCount"/> per row.</returns>
    /// <exception cref="PredictionInputException">One or more rows do not fit the model's input schema.</exception>
    public static float[] Score(TrainedModel model, PredictionRows rows, bool allowUnknownFields)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        var outputs = new float[rows.Rows.Count * model.OutputCount];
        if (rows.Rows.Count == 1)
        {
            ScoreOne(model, rows, allowUnknownFields, outputs);
            return outputs;
        }

        var features = new FeatureMatrix(rows.Rows.Count, model.FeatureCount);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var errorCount = 0;
        for (var i = 0; i < rows.Rows.Count; i++)
        {
            try
            {
                model.Pipeline.TransformJson(rows.Rows[i], features.Row(i), allowUnknownFields);
            }
            catch (FeatureInputException ex)
            {
                if (++errorCount <= MaxReportedErrors)
                {
                    errors[$"{rows.PathOf(i)}.{ex.Field}"] = [ex.Message];
                }
            }
        }

        if (errorCount > 0)
        {
            var summary = errorCount > MaxReportedErrors ? $" (the first {MaxReportedErrors} are listed)" : string.Empty;
            throw new PredictionInputException($"{errorCount} field(s) in the batch do not fit the model's input schema{summary}.", errors);
        }

        model.Predictor.PredictBatch(features, outputs);
        return outputs;
    }

    private static void ScoreOne(TrainedModel model, PredictionRows rows, bool allowUnknownFields, float[] outputs)
    {
        var buffer = ArrayPool<float>.Shared.Rent(model.FeatureCount);
        try
        {
            var features = buffer.AsSpan(0, model.FeatureCount);
            try
            {
                model.Pipeline.TransformJson(rows.Rows[0], features, allowUnknownFields);
            }
            catch (FeatureInputException ex)
            {
                var field = rows.IsBatch ? $"{rows.PathOf(0)}.{ex.Field}" : ex.Field;
                throw new PredictionInputException(field, ex.Message);
            }

            model.Predictor.Predict(features, outputs);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
