using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Monitoring;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// <c>POST /api/models/{name}/feedback</c>: the true label of a logged prediction, as
/// <c>{"requestId": "...", "label": ...}</c> (plus <c>"row"</c> for a row of a batch), or several as
/// <c>{"feedback": [...]}</c> or a JSON array. Needs the API key when predictions do.
/// </summary>
public sealed class FeedbackHandler(FeedbackService feedback, IOptions<FunctionsMlOptions> options)
{
    private static readonly string[] ItemFields = ["requestId", "row", "label"];

    public async Task<IResult> PostAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.RequireKeyForPredictions && !ManagementKeyFilter.HasValidKey(request, settings.ApiKey))
        {
            return ApiProblems.Unauthorized($"Feedback needs the API key in the '{ManagementKeyFilter.HeaderName}' header.");
        }

        try
        {
            using var body = await RequestBody.ReadJsonAsync(request, settings.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
            var (items, isBatch) = ReadItems(body.RootElement);
            return Results.Ok(await feedback.SubmitAsync(name, items, isBatch, cancellationToken).ConfigureAwait(false));
        }
        catch (FeedbackException ex)
        {
            return ex.StatusCode switch
            {
                StatusCodes.Status400BadRequest => ApiProblems.BadRequest(ex.Message, ex.Errors ?? new Dictionary<string, string[]>()),
                StatusCodes.Status404NotFound => ApiProblems.NotFound(ex.Message),
                _ => ApiProblems.Conflict(ex.Message),
            };
        }
        catch (Exception ex) when (PredictionHandler.ToProblem(ex) is { } problem)
        {
            return problem;
        }
    }

    /// <exception cref="FeedbackException">400 naming the field when the body is not of the documented shape.</exception>
    internal static (IReadOnlyList<FeedbackItem> Items, bool IsBatch) ReadItems(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var items = new List<FeedbackItem>();
        bool isBatch;
        switch (body.ValueKind)
        {
            case JsonValueKind.Array:
                isBatch = true;
                ReadAll(body, items, errors);
                break;
            case JsonValueKind.Object when body.TryGetProperty("feedback", out var list):
                isBatch = true;
                if (list.ValueKind != JsonValueKind.Array)
                {
                    errors["feedback"] = ["'feedback' must be a list of {\"requestId\": \"...\", \"label\": ...}."];
                }
                else
                {
                    ReadAll(list, items, errors);
                }

                break;
            case JsonValueKind.Object:
                isBatch = false;
                ReadItem(body, string.Empty, items, errors);
                break;
            default:
                throw new FeedbackException(400, "The body must be {\"requestId\": \"...\", \"label\": ...}, {\"feedback\": [...]} or a list of such objects.", new Dictionary<string, string[]> { ["$"] = ["Not a JSON object or array."] });
        }

        if (errors.Count > 0)
        {
            throw new FeedbackException(400, $"The feedback is invalid: {string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}"))}", errors);
        }

        return (items, isBatch);
    }

    private static void ReadAll(JsonElement list, List<FeedbackItem> items, Dictionary<string, string[]> errors)
    {
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            ReadItem(item, $"[{index++}].", items, errors);
        }
    }

    private static void ReadItem(JsonElement item, string prefix, List<FeedbackItem> items, Dictionary<string, string[]> errors)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors[prefix.Length == 0 ? "$" : prefix.TrimEnd('.')] = ["Each item is {\"requestId\": \"...\", \"label\": ...}."];
            return;
        }

        foreach (var property in item.EnumerateObject())
        {
            if (!ItemFields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors[prefix + property.Name] = [$"Unknown field '{property.Name}'; an item has {string.Join(", ", ItemFields)}."];
            }
        }

        string? requestId = null;
        if (!item.TryGetProperty("requestId", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } text)
        {
            errors[prefix + "requestId"] = ["The request id of the prediction (its \"id\" field or x-request-id header), as a string."];
        }
        else
        {
            requestId = text;
        }

        var row = 0;
        if (item.TryGetProperty("row", out var rowElement) && rowElement.ValueKind != JsonValueKind.Null
            && (rowElement.ValueKind != JsonValueKind.Number || !rowElement.TryGetInt32(out row) || row < 0))
        {
            errors[prefix + "row"] = ["The row of a batch request, a whole number from 0."];
        }

        if (!item.TryGetProperty("label", out var label))
        {
            errors[prefix + "label"] = ["The true label: a class name for classifiers, a number for regressors."];
        }

        if (requestId is not null && label.ValueKind != JsonValueKind.Undefined)
        {
            items.Add(new FeedbackItem(requestId, row, label.Clone()));
        }
    }
}
