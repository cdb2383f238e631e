using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>
/// An orchestration engine in memory: instance id → the request it was started with and whether it is active. Like
/// Durable Functions, it refuses to start an instance whose id is active. A test can make starts fail, run something
/// just before a start (another starter getting there first), or end an instance.
/// </summary>
public sealed class FakeOrchestrations : IRetrainingOrchestrations
{
    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly List<(string InstanceId, RetrainRequest Request)> _starts = [];
    private Exception? _failure;
    private bool _activeAfterFailure;
    private Func<Task>? _beforeNextStart;

    /// <summary>Every start asked for, accepted or not.</summary>
    public IReadOnlyList<(string InstanceId, RetrainRequest Request)> Starts
    {
        get
        {
            lock (_instances)
            {
                return [.. _starts];
            }
        }
    }

    public Instance? this[string instanceId]
    {
        get
        {
            lock (_instances)
            {
                return _instances.GetValueOrDefault(instanceId);
            }
        }
    }

    /// <summary>Makes every start throw <paramref name="failure"/>; with <paramref name="activeAfter"/>, the instance is found active afterwards.</summary>
    public void FailStarts(Exception failure, bool activeAfter = false)
    {
        _failure = failure;
        _activeAfterFailure = activeAfter;
    }

    public void SucceedStarts() => _failure = null;

    /// <summary>Runs <paramref name="action"/> once, when the next start is asked for and before it is decided.</summary>
    public void BeforeNextStart(Func<Task> action) => _beforeNextStart = action;

    /// <summary>The instance completes, is terminated or fails: it is no longer active.</summary>
    public void End(string instanceId)
    {
        lock (_instances)
        {
            _instances[instanceId] = _instances[instanceId] with { Active = false };
        }
    }

    public Task<string?> ActiveRunAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_instances)
        {
            return Task.FromResult(_instances.TryGetValue(instanceId, out Instance? instance) && instance.Active ? instance.Request.RunId : null);
        }
    }

    public async Task StartAsync(string instanceId, RetrainRequest request, CancellationToken cancellationToken)
    {
        lock (_instances)
        {
            _starts.Add((instanceId, request));
        }

        if (Interlocked.Exchange(ref _beforeNextStart, null) is { } before)
        {
            await before();
        }

        lock (_instances)
        {
            if (_failure is { } failure)
            {
                if (_activeAfterFailure)
                {
                    _instances[instanceId] = new Instance(request, Active: true);
                }

                throw failure;
            }

            if (_instances.TryGetValue(instanceId, out Instance? existing) && existing.Active)
            {
                throw new InvalidOperationException($"An instance with ID '{instanceId}' already exists and is running.");
            }

            _instances[instanceId] = new Instance(request, Active: true);
        }
    }

    public sealed record Instance(RetrainRequest Request, bool Active);
}
