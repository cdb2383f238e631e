using Azure.Storage.Blobs;
using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Scoring;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMl.Functions.Scoring;

/// <summary>Event-driven scoring: files dropped into <c>incoming/&lt;model&gt;/</c>, and request messages on <c>scoring-requests</c>.</summary>
public sealed class ScoringFunctions(FileScorer fileScorer, QueueTriggerScoring queueScoring)
{
    /// <summary>The function the azd hooks subscribe to the storage account's Event Grid topic (scripts/postdeploy.*).</summary>
    public const string ScoreIncomingBlobName = "ScoreIncomingBlob";

    /// <summary>
    /// Scores a CSV or JSON-lines file into <c>scored/&lt;model&gt;/</c>, setting bad rows (or an unreadable file) aside
    /// under <c>failed/</c>. Binding <see cref="BlobClient"/> downloads nothing: the scorer streams the blob through the
    /// model store, and its name (which may hold folders) comes from the client rather than the path pattern.
    /// </summary>
    [Function(ScoreIncomingBlobName)]
    public async Task ScoreIncomingBlob(
        [BlobTrigger("incoming/{model}/{name}", Source = BlobTriggerSource.EventGrid, Connection = BlobStorageConnection.Name)] BlobClient blob,
        CancellationToken cancellationToken) =>
        await fileScorer.ScoreAsync(ScoringPaths.Incoming(blob.Name), cancellationToken);

    /// <summary>
    /// Scores one request message into <c>scoring-results</c>. A request that can never be scored, or whose last
    /// delivery failed, goes to <c>scoring-requests-poison</c> with the reason; other failures throw, and the runtime
    /// delivers the message again (host.json <c>maxDequeueCount</c>).
    /// </summary>
    [Function(nameof(ScoreMessage))]
    public async Task<ScoreMessageOutput> ScoreMessage(
        [QueueTrigger(StoreQueue.ScoringRequests, Connection = BlobStorageConnection.Name)] string message,
        string id,
        long dequeueCount,
        CancellationToken cancellationToken)
    {
        MessageScoringOutcome outcome = await queueScoring.ScoreAsync(message, id, dequeueCount, cancellationToken);
        return new ScoreMessageOutput { Result = outcome.Result, SetAside = outcome.SetAside };
    }
}

/// <summary>The outputs of <see cref="ScoringFunctions.ScoreMessage"/>: exactly one is set; the worker writes no message for a null one.</summary>
public sealed class ScoreMessageOutput
{
    [QueueOutput(StoreQueue.ScoringResults, Connection = BlobStorageConnection.Name)]
    public string? Result { get; init; }

    [QueueOutput(StoreQueue.ScoringRequestsPoison, Connection = BlobStorageConnection.Name)]
    public string? SetAside { get; init; }
}
