using System.Collections.Concurrent;
using FunctionsMl.Serving.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Traffic;

/// <summary>
/// Each model's compiled traffic policy, read per request without locks or storage calls. Like the predictor
/// cache's aliases: a view older than <see cref="TrafficOptions.PolicyRefreshInterval"/> is still served while
/// one background check reads the document's ETag (and the document only if it changed); a change made through
/// the <see cref="TrafficStore"/> this cache is attached to applies at once.
/// </summary>
public sealed class TrafficPolicyCache : IDisposable
{
    private readonly TrafficStore _store;
    private readonly TrafficOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposed = new();

    public TrafficPolicyCache(TrafficStore store, TrafficOptions? options = null, TimeProvider? timeProvider = null, ILogger<TrafficPolicyCache>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new TrafficOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _store.Changed += OnChanged;
    }

    /// <summary>The model's compiled policy; a policy with a null <see cref="CompiledTrafficPolicy.Policy"/> when it has none.</summary>
    /// <exception cref="ArgumentException">The model name is invalid.</exception>
    public ValueTask<CompiledTrafficPolicy> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        if (_entries.TryGetValue(model, out var entry) && entry.View is { } view)
        {
            if (_timeProvider.GetElapsedTime(view.CheckedAt) >= _options.PolicyRefreshInterval)
            {
                RequestBackgroundRefresh(entry);
            }

            return new ValueTask<CompiledTrafficPolicy>(view.Policy);
        }

        RegistryNames.ValidateModel(model);
        return new ValueTask<CompiledTrafficPolicy>(LoadAsync(_entries.GetOrAdd(model, static m => new Entry(m)), cancellationToken));
    }

    /// <summary>Checks the model's policy now and applies any change before returning.</summary>
    public async Task RefreshAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        await RefreshAsync(_entries.GetOrAdd(model, static m => new Entry(m)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops what is cached for a model (e.g. one that turned out not to exist), so unknown names do not pile up.</summary>
    public void Forget(string model) => _entries.TryRemove(model, out _);

    public void Dispose()
    {
        _store.Changed -= OnChanged;
        _disposed.Cancel();
    }

    private async Task<CompiledTrafficPolicy> LoadAsync(Entry entry, CancellationToken cancellationToken)
    {
        if (entry.View is null)
        {
            await RefreshAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        return entry.View!.Policy;
    }

    private async Task RefreshAsync(Entry entry, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = entry.View;
            var eTag = await _store.GetETagAsync(entry.Model, cancellationToken).ConfigureAwait(false);
            if (current is not null && string.Equals(eTag, current.Policy.ETag, StringComparison.Ordinal))
            {
                Publish(entry, current.Policy, touchOnly: true);
                return;
            }

            if (eTag is null)
            {
                // No document: production only, without a second read (the common case, and every unknown name's).
                Publish(entry, new CompiledTrafficPolicy(entry.Model, null, 0, null), touchOnly: false);
                return;
            }

            var state = await _store.ReadStateAsync(entry.Model, cancellationToken).ConfigureAwait(false);
            Publish(entry, new CompiledTrafficPolicy(entry.Model, state.Policy, state.Revision, state.ETag), touchOnly: false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// Installs a view unless a newer revision is already installed: a change signalled by the store may land
    /// while a refresh that read the older document is still finishing.
    /// </summary>
    private void Publish(Entry entry, CompiledTrafficPolicy policy, bool touchOnly)
    {
        var now = _timeProvider.GetTimestamp();
        while (true)
        {
            var current = Volatile.Read(ref entry.View);
            View next;
            if (current is null)
            {
                next = new View(policy, now);
            }
            else if (touchOnly)
            {
                next = current with { CheckedAt = now };
            }
            else if (policy.ETag is null || policy.Revision >= current.Policy.Revision)
            {
                next = new View(policy, now);
            }
            else
            {
                return;
            }

            if (Interlocked.CompareExchange(ref entry.View, next, current) == current)
            {
                return;
            }
        }
    }

    private void RequestBackgroundRefresh(Entry entry)
    {
        if (Interlocked.CompareExchange(ref entry.RefreshRunning, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync(entry, _disposed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                TrafficLog.RefreshFailed(_logger, entry.Model, e);

                // Serve on and check again after the interval, not on the very next request.
                if (entry.View is { } view)
                {
                    Publish(entry, view.Policy, touchOnly: true);
                }
            }
            finally
            {
                Volatile.Write(ref entry.RefreshRunning, 0);
            }
        });
    }

    private void OnChanged(object? sender, TrafficChangedEventArgs e)
    {
        var state = e.State;
        var entry = _entries.GetOrAdd(state.Model, static m => new Entry(m));
        Publish(entry, new CompiledTrafficPolicy(state.Model, state.Policy, state.Revision, state.ETag), touchOnly: false);
    }

    private sealed record View(CompiledTrafficPolicy Policy, long CheckedAt);

    private sealed class Entry(string model)
    {
        public string Model { get; } = model;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        // Fields: replaced with Interlocked.
        public View? View;
        public int RefreshRunning;
    }
}
