using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Queues;

/// <summary>One message as received or peeked from a <see cref="StoreQueue"/>.</summary>
/// <param name="Id">Unique within the queue; ids sort in enqueue order.</param>
/// <param name="DequeueCount">How many times the message has been received, this time included (as in Azure queues).</param>
/// <param name="VisibleAt">When it may be received (again).</param>
/// <param name="LastError">Why the last attempt failed; for a poisoned message, why it was set aside.</param>
/// <param name="Receipt">What proves this receiver still holds the message (the object's ETag); completing or releasing needs it.</param>
public sealed record QueueMessage(
    string Id,
    string Text,
    long DequeueCount,
    DateTimeOffset InsertedAt,
    DateTimeOffset VisibleAt,
    string? LastError,
    string Receipt);

/// <summary><c>queues/&lt;queue&gt;/&lt;id&gt;.json</c>: a message with its delivery state, replaced whole by compare-and-swap.</summary>
internal sealed record QueueMessageDocument
{
    public required string Id { get; init; }

    public required string Text { get; init; }

    public long DequeueCount { get; init; }

    public required DateTimeOffset InsertedAt { get; init; }

    public required DateTimeOffset VisibleAt { get; init; }

    public string? LastError { get; init; }

    /// <summary>For a poisoned message: the queue it came from.</summary>
    public string? SourceQueue { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueueMessageDocument))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
