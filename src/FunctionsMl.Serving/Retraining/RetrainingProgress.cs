using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// Where a run's progress goes: always to the log, and to whoever follows that run in this process (the
/// CLI prints it). Activities report here rather than to a callback so they stay plain functions of their
/// input, as Durable Functions runs them.
/// </summary>
public sealed class RetrainingProgress
{
    private readonly ConcurrentDictionary<string, ImmutableSubscribers> _subscribers = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public RetrainingProgress(ILogger<RetrainingProgress>? logger = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public void Report(RunRef run, string message)
    {
        ArgumentNullException.ThrowIfNull(run);
        RetrainingLog.Progress(_logger, run.Model, run.RunId, message);
        if (_subscribers.TryGetValue(run.RunId, out ImmutableSubscribers? subscribers))
        {
            foreach (IProgress<string> subscriber in subscribers.Items)
            {
                subscriber.Report(message);
            }
        }
    }

    /// <summary>Sends the progress of <paramref name="runId"/> to <paramref name="progress"/> until disposed. Reports arrive on the reporting thread.</summary>
    public IDisposable Subscribe(string runId, IProgress<string> progress)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(progress);
        _subscribers.AddOrUpdate(runId, _ => new ImmutableSubscribers([progress]), (_, current) => new ImmutableSubscribers([.. current.Items, progress]));
        return new Subscription(this, runId, progress);
    }

    private void Unsubscribe(string runId, IProgress<string> progress)
    {
        while (_subscribers.TryGetValue(runId, out ImmutableSubscribers? current))
        {
            IProgress<string>[] rest = [.. current.Items.Where(p => !ReferenceEquals(p, progress))];
            bool done = rest.Length == 0
                ? _subscribers.TryRemove(new KeyValuePair<string, ImmutableSubscribers>(runId, current))
                : _subscribers.TryUpdate(runId, new ImmutableSubscribers(rest), current);
            if (done)
            {
                return;
            }
        }
    }

    private sealed record ImmutableSubscribers(IProgress<string>[] Items);

    private sealed class Subscription(RetrainingProgress owner, string runId, IProgress<string> progress) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(runId, progress);
            }
        }
    }
}
