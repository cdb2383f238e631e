using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Scoring;

/// <summary>What one delivery of a scoring request produced: a result message, or the request set aside with why.</summary>
/// <param name="Result">For <c>scoring-results</c>; null when the request was set aside.</param>
/// <param name="SetAside">For <c>scoring-requests-poison</c>: a <see cref="SetAsideMessage"/> as JSON; null when scored.</param>
public sealed record MessageScoringOutcome(string? Result, string? SetAside);

/// <summary>A request that will not be scored, kept whole with the reason, for someone to fix and send again.</summary>
/// <param name="Message">The request exactly as it arrived; null when it is too long to travel inline (see <paramref name="MessagePath"/>).</param>
/// <param name="MessagePath">Where the request is kept instead of <paramref name="Message"/>, in the model store: <c>failed/scoring-requests/&lt;id&gt;.json</c>.</param>
public sealed record SetAsideMessage(string Reason, string SourceQueue, string MessageId, long DequeueCount, DateTimeOffset SetAsideAt, string? Message, string? MessagePath = null);

/// <summary>
/// One delivery of a <c>scoring-requests</c> message under a queue trigger that retries by redelivery (Azure): the one
/// method behind the Azure queue function, with the delivery rules of the local <see cref="QueueProcessor"/>.
/// </summary>
/// <remarks>
/// A request that can never be scored (<see cref="PoisonMessageException"/>) is set aside at once, with the reason. Any
/// other failure is thrown, so the runtime delivers the message again, until the last delivery
/// (<see cref="QueueProcessorOptions.MaxDequeueCount"/>, host.json's <c>maxDequeueCount</c>) fails too: then it is set
/// aside with that error instead of thrown, because the runtime's own poison move keeps the message but not the reason.
/// </remarks>
public sealed class QueueTriggerScoring
{
    /// <summary>
    /// The longest set-aside message sent inline: an Azure queue message holds 64 KiB, and host.json's base64 encoding
    /// leaves three quarters of that. A request near the limit plus the reason does not fit, so its body goes to the store.
    /// </summary>
    public const int MaxInlineSetAsideBytes = 64 * 1024 / 4 * 3;

    // Relaxed escaping: the request is JSON full of quotes, which the default encoder would triple in size.
    private static readonly JsonSerializerOptions SetAsideJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly MessageScorer _scorer;
    private readonly IObjectStore _store;
    private readonly QueueProcessorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public QueueTriggerScoring(MessageScorer scorer, IObjectStore store, TimeProvider timeProvider, IOptions<QueueProcessorOptions>? options = null, ILogger<QueueTriggerScoring>? logger = null)
    {
        _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options?.Value ?? new QueueProcessorOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Scores delivery number <paramref name="dequeueCount"/> of message <paramref name="messageId"/>.</summary>
    /// <exception cref="Exception">A failure worth another delivery (the model has no production version yet, the store failed).</exception>
    public async Task<MessageScoringOutcome> ScoreAsync(string messageText, string messageId, long dequeueCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        ArgumentNullException.ThrowIfNull(messageId);
        try
        {
            return new MessageScoringOutcome(await _scorer.ScoreAsync(messageText, cancellationToken).ConfigureAwait(false), null);
        }
        catch (PoisonMessageException e)
        {
            return await SetAsideAsync(messageText, messageId, dequeueCount, e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (dequeueCount >= _options.MaxDequeueCount && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return await SetAsideAsync(messageText, messageId, dequeueCount, $"Failed {dequeueCount} times; the last error was {e.GetType().Name}: {e.Message}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where a set-aside request too long to travel inline is kept.</summary>
    public static string SetAsideBodyPath(string messageId) => $"{ScoringPaths.FailedContainer}/{StoreQueue.ScoringRequests}/{messageId}.json";

    private async Task<MessageScoringOutcome> SetAsideAsync(string messageText, string messageId, long dequeueCount, string reason, CancellationToken cancellationToken)
    {
        var record = new SetAsideMessage(reason, StoreQueue.ScoringRequests, messageId, dequeueCount, _timeProvider.GetUtcNow(), messageText);
        string json = JsonSerializer.Serialize(record, SetAsideJson);
        if (Encoding.UTF8.GetByteCount(json) > MaxInlineSetAsideBytes)
        {
            // Kept before the envelope that points to it is returned, so the pointer never dangles.
            string path = SetAsideBodyPath(messageId);
            await _store.WriteAsync(path, Encoding.UTF8.GetBytes(messageText), WriteCondition.None, cancellationToken).ConfigureAwait(false);
            json = JsonSerializer.Serialize(record with { Message = null, MessagePath = path }, SetAsideJson);
        }

        ScoringLog.MessageSetAside(_logger, messageId, StoreQueue.ScoringRequestsPoison, reason);
        return new MessageScoringOutcome(null, json);
    }
}
