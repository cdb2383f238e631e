using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Queues;

/// <summary>The local queues of scoring, by name, over the host's store.</summary>
public sealed class StoreQueues(IObjectStore store, TimeProvider timeProvider)
{
    public StoreQueue Requests { get; } = new(store, StoreQueue.ScoringRequests, timeProvider);

    public StoreQueue Results { get; } = new(store, StoreQueue.ScoringResults, timeProvider);

    public StoreQueue Poison { get; } = new(store, StoreQueue.ScoringRequestsPoison, timeProvider);
}
