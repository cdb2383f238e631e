using System.Collections.Concurrent;
using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>
/// An <see cref="IRetrainingStarter"/> that records what it was asked to start and answers as told: a new run by
/// default, or "already running", a failure, or a side effect run before answering, per model.
/// </summary>
public sealed class RecordingStarter : IRetrainingStarter
{
    private readonly ConcurrentQueue<(string Model, RunTrigger Trigger)> _calls = new();
    private readonly ConcurrentDictionary<string, Func<Task<RetrainStart>>> _answers = new(StringComparer.Ordinal);
    private int _runs;

    public IReadOnlyList<(string Model, RunTrigger Trigger)> Calls => [.. _calls];

    public IReadOnlyList<string> Models => [.. _calls.Select(c => c.Model)];

    public RecordingStarter AlreadyRunning(string model, string runId)
    {
        _answers[model] = () => Task.FromResult(new RetrainStart(model, runId, AlreadyRunning: true));
        return this;
    }

    public RecordingStarter Throws(string model, Exception exception)
    {
        _answers[model] = () => Task.FromException<RetrainStart>(exception);
        return this;
    }

    /// <summary>Runs <paramref name="action"/> when <paramref name="model"/> is started, then answers with a new run.</summary>
    public RecordingStarter OnStart(string model, Func<Task> action)
    {
        _answers[model] = async () =>
        {
            await action();
            return NewRun(model);
        };
        return this;
    }

    public Task<RetrainStart> StartAsync(string model, RunTrigger trigger, CancellationToken cancellationToken = default)
    {
        _calls.Enqueue((model, trigger));
        return _answers.TryGetValue(model, out Func<Task<RetrainStart>>? answer) ? answer() : Task.FromResult(NewRun(model));
    }

    private RetrainStart NewRun(string model) => new(model, $"run-{Interlocked.Increment(ref _runs)}", AlreadyRunning: false);
}
