using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using FunctionsMl.Serving.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Caching;

/// <summary>
/// Loaded models per (name, version), and for each alias the version currently served. Resolving an
/// alias costs a dictionary lookup; promotions are picked up in the background and swapped in atomically
/// once the new version is fully loaded.
/// </summary>
/// <remarks>
/// <para>
/// Per model the cache holds one immutable view: alias → the loaded model serving it, plus the alias
/// document's ETag and when it was last checked. Requests read the view without locks. When it is older
/// than <see cref="PredictorCacheOptions.AliasRefreshInterval"/> the request that notices starts one
/// background refresh and is served from the current view: the refresh reads the document's ETag (and,
/// only if it changed, the document), loads any new target versions, and publishes a new view with one
/// reference write. In-flight requests keep the model they already hold. A change made through the
/// registry this cache is attached to is signalled by its <see cref="ModelRegistry.AliasesChanged"/>
/// event and refreshed at once; one made by another process is seen within the refresh interval plus
/// the time to load the new version.
/// </para>
/// <para>
/// A version is loaded at most once at a time per process, however many requests want it first; it is
/// checked against its registered SHA-256 and then by the loader. A version that fails never becomes
/// active: the alias keeps serving the version it served before, the failure is logged, and the version
/// is tried again after a backoff. Versions no alias serves are evicted, least recently used first,
/// beyond <see cref="PredictorCacheOptions.MaxLoadedVersions"/>.
/// </para>
/// </remarks>
/// <typeparam name="TModel">The loaded model type the <see cref="IModelLoader{TModel}"/> produces; immutable and thread-safe.</typeparam>
public sealed class PredictorCache<TModel> : IDisposable
    where TModel : class
{
    private readonly ModelRegistry _registry;
    private readonly IModelLoader<TModel> _loader;
    private readonly PredictorCacheOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<VersionKey, VersionSlot> _versions = new();
    private readonly ConcurrentDictionary<VersionKey, LoadFailure> _failures = new();
    private readonly ConcurrentDictionary<string, ModelState> _models = new(StringComparer.Ordinal);
    private readonly Lock _evictionGate = new();
    private readonly CancellationTokenSource _disposed = new();
    private long _useClock;

    /// <param name="registry">Where versions and aliases come from; the cache subscribes to its <see cref="ModelRegistry.AliasesChanged"/> until disposed.</param>
    /// <param name="loader">Turns verified model file bytes into a <typeparamref name="TModel"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public PredictorCache(
        ModelRegistry registry,
        IModelLoader<TModel> loader,
        PredictorCacheOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<PredictorCache<TModel>>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(loader);
        _options = options ?? new PredictorCacheOptions();
        _options.Validate();
        _registry = registry;
        _loader = loader;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _registry.AliasesChanged += OnAliasesChanged;
    }

    /// <summary>
    /// The model serving <paramref name="aliasOrVersion"/>: a version number ("3") is loaded directly; an
    /// alias ("production") resolves to the version it currently serves.
    /// </summary>
    /// <exception cref="ArgumentException">The model name or alias is invalid (thrown before the task is returned).</exception>
    /// <exception cref="ModelNotFoundException">No such model, alias or version.</exception>
    /// <exception cref="ModelLoadException">The version (or the alias's only version) does not load; not retried before <see cref="ModelLoadException.RetryAfter"/>.</exception>
    public ValueTask<LoadedModel<TModel>> GetAsync(string model, string aliasOrVersion, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        ArgumentNullException.ThrowIfNull(aliasOrVersion);
        if (RegistryNames.TryParseVersion(aliasOrVersion, out _))
        {
            var key = new VersionKey(model, aliasOrVersion);
            if (_versions.TryGetValue(key, out VersionSlot? slot) && Volatile.Read(ref slot.Loaded) is { } loaded)
            {
                Touch(slot);
                return new ValueTask<LoadedModel<TModel>>(loaded);
            }

            return new ValueTask<LoadedModel<TModel>>(GetVersionSlowAsync(key, cancellationToken));
        }

        RegistryNames.ValidateAlias(aliasOrVersion, nameof(aliasOrVersion));
        ModelState state = _models.GetOrAdd(model, static m => new ModelState(m));
        if (state.View is { } view)
        {
            bool stale = IsStale(view);
            if (view.Active.TryGetValue(aliasOrVersion, out ActiveAlias? active))
            {
                if (stale)
                {
                    RequestBackgroundRefresh(state, changed: false);
                }

                Touch(active.Slot);
                return new ValueTask<LoadedModel<TModel>>(active.Served);
            }

            if (!stale && !view.Targets.ContainsKey(aliasOrVersion))
            {
                return ValueTask.FromException<LoadedModel<TModel>>(new ModelNotFoundException(model, alias: aliasOrVersion));
            }
        }

        return new ValueTask<LoadedModel<TModel>>(GetAliasSlowAsync(state, aliasOrVersion, cancellationToken));
    }

    /// <summary>
    /// Marks <paramref name="model"/>'s aliases as changed and refreshes them in the background now. The
    /// attached registry calls this for its own changes; call it for changes signalled another way.
    /// </summary>
    public void Invalidate(string model)
    {
        RegistryNames.ValidateModel(model);
        if (_models.TryGetValue(model, out ModelState? state))
        {
            RequestBackgroundRefresh(state, changed: true);
        }
    }

    /// <summary>
    /// Checks <paramref name="model"/>'s aliases now and loads and swaps in any new targets before
    /// returning. Failures to load are logged and leave the previous versions serving.
    /// </summary>
    public Task RefreshAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        return RefreshAsync(_models.GetOrAdd(model, static m => new ModelState(m)), onlyIfStale: false, cancellationToken);
    }

    /// <summary>Loads the versions every alias of these models points to, so the first requests do not wait. Failures are logged, not thrown.</summary>
    public Task WarmUpAsync(IEnumerable<string> models, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        var names = models.ToList();
        names.ForEach(m => RegistryNames.ValidateModel(m, nameof(models)));
        return Task.WhenAll(names.Distinct(StringComparer.Ordinal).Select(async model =>
        {
            try
            {
                await RefreshAsync(model, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                CacheLog.RefreshFailed(_logger, model, e);
            }
        }));
    }

    /// <summary>A snapshot of the versions currently loaded, ordered by model and version.</summary>
    public IReadOnlyList<LoadedModel<TModel>> GetLoadedVersions() =>
        [.. _versions.Values
            .Select(s => Volatile.Read(ref s.Loaded))
            .OfType<LoadedModel<TModel>>()
            .OrderBy(l => l.Name, StringComparer.Ordinal)
            .ThenBy(l => RegistryNames.TryParseVersion(l.Version, out long n) ? n : 0)];

    /// <summary>Stops listening to the registry and stops background refreshes.</summary>
    public void Dispose()
    {
        _registry.AliasesChanged -= OnAliasesChanged;
        _disposed.Cancel();
    }

    private async Task<LoadedModel<TModel>> GetVersionSlowAsync(VersionKey key, CancellationToken cancellationToken)
    {
        VersionSlot slot = GetOrStartLoad(key);
        LoadedModel<TModel> loaded = await slot.Loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        Touch(slot);
        return loaded;
    }

    private async Task<LoadedModel<TModel>> GetAliasSlowAsync(ModelState state, string alias, CancellationToken cancellationToken)
    {
        // Waits for a refresh already running (e.g. the first load), or refreshes if the view is missing or stale.
        await RefreshAsync(state, onlyIfStale: true, cancellationToken).ConfigureAwait(false);
        AliasView view = state.View!;
        if (view.Active.TryGetValue(alias, out ActiveAlias? active))
        {
            Touch(active.Slot);
            return active.Served;
        }

        if (!view.Targets.TryGetValue(alias, out string? target))
        {
            throw new ModelNotFoundException(state.Model, alias: alias);
        }

        var key = new VersionKey(state.Model, target);
        if (_failures.TryGetValue(key, out LoadFailure? failure))
        {
            throw failure.ToException(key);
        }

        throw new ModelNotFoundException(state.Model, target, alias, $"Alias '{alias}' of model '{state.Model}' points to version '{target}', which is not available.");
    }

    private async Task RefreshAsync(ModelState state, bool onlyIfStale, CancellationToken cancellationToken)
    {
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (onlyIfStale && state.View is { } view && !IsStale(view))
            {
                return; // Refreshed while this caller waited.
            }

            await RefreshCoreAsync(state, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    private async Task RefreshCoreAsync(ModelState state, CancellationToken cancellationToken)
    {
        AliasView? old = state.View;
        string? eTag = await _registry.GetAliasesETagAsync(state.Model, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, string> targets;
        if (old is not null && eTag == old.ETag)
        {
            if (!old.HasPending)
            {
                state.View = old with { CheckedAt = _timeProvider.GetTimestamp() };
                return;
            }

            targets = old.Targets; // Unchanged, but a target still waits to load: try it again (within its backoff).
        }
        else
        {
            ModelAliases aliases = await _registry.GetAliasesAsync(state.Model, cancellationToken).ConfigureAwait(false);
            (targets, eTag) = (aliases.Aliases, aliases.ETag);
        }

        var active = new Dictionary<string, ActiveAlias>(StringComparer.Ordinal);
        var loads = new List<(string Alias, VersionSlot Slot)>();
        try
        {
            foreach ((string alias, string version) in targets)
            {
                if (old is not null && old.Active.TryGetValue(alias, out ActiveAlias? current) && current.Served.Version == version)
                {
                    active[alias] = current;
                    continue;
                }

                try
                {
                    VersionSlot slot = GetOrStartLoad(new VersionKey(state.Model, version));
                    Interlocked.Increment(ref slot.Pins); // Not evictable until published below.
                    loads.Add((alias, slot));
                }
                catch (ModelLoadException)
                {
                    KeepPrevious(state.Model, alias, version, old, active);
                }
            }

            foreach ((string alias, VersionSlot slot) in loads)
            {
                try
                {
                    LoadedModel<TModel> loaded = await slot.Loading.WaitAsync(cancellationToken).ConfigureAwait(false);
                    active[alias] = new ActiveAlias(loaded with { Alias = alias }, slot);
                    CacheLog.Swapped(_logger, state.Model, alias, loaded.Version, old?.Active.GetValueOrDefault(alias)?.Served.Version);
                }
                catch (Exception e) when (e is ModelLoadException or ModelNotFoundException)
                {
                    KeepPrevious(state.Model, alias, slot.Key.Version, old, active);
                }
            }

            state.View = new AliasView(eTag, _timeProvider.GetTimestamp(), active, targets);
        }
        finally
        {
            loads.ForEach(l => Interlocked.Decrement(ref l.Slot.Pins));
        }

        if (eTag is null && targets.Count == 0)
        {
            // No aliases at all (perhaps no such model): keep no state, so unknown names cannot pile up.
            _models.TryRemove(new KeyValuePair<string, ModelState>(state.Model, state));
        }

        EnforceCapacity();
    }

    private void KeepPrevious(string model, string alias, string target, AliasView? old, Dictionary<string, ActiveAlias> active)
    {
        if (old is not null && old.Active.TryGetValue(alias, out ActiveAlias? previous))
        {
            active[alias] = previous;
            CacheLog.KeptPrevious(_logger, model, alias, target, previous.Served.Version);
        }
    }

    private VersionSlot GetOrStartLoad(VersionKey key)
    {
        if (_failures.TryGetValue(key, out LoadFailure? failure) && _timeProvider.GetUtcNow() < failure.RetryAfter)
        {
            throw failure.ToException(key);
        }

        return _versions.GetOrAdd(key, static (k, cache) => new VersionSlot(k, cache.LoadAsync), this);
    }

    private async Task<LoadedModel<TModel>> LoadAsync(VersionSlot slot)
    {
        // Off the caller's thread: the first requester must not own a load that others share.
        await Task.Yield();
        (string model, string version) = slot.Key;
        long started = Stopwatch.GetTimestamp();
        try
        {
            ModelVersionInfo info = await _registry.GetVersionAsync(model, version, _disposed.Token).ConfigureAwait(false)
                ?? throw new ModelNotFoundException(model, version);
            ReadOnlyMemory<byte> file = await _registry.ReadModelFileAsync(model, version, _disposed.Token).ConfigureAwait(false)
                ?? throw new ModelNotFoundException(model, version);
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(file.Span));
            if (sha256 != info.Sha256)
            {
                throw new InvalidDataException(
                    $"The model file of model '{model}' version '{version}' has SHA-256 {sha256}, not the registered {info.Sha256}: it was changed or damaged in storage.");
            }

            TModel loadedModel = _loader.Load(model, version, file)
                ?? throw new InvalidOperationException($"The model loader returned null for model '{model}' version '{version}'.");
            var loaded = new LoadedModel<TModel>(model, version, loadedModel, null, info.Sha256);
            Volatile.Write(ref slot.Loaded, loaded);
            Touch(slot);
            _failures.TryRemove(slot.Key, out _);
            CacheLog.Loaded(_logger, model, version, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            EnforceCapacity();
            return loaded;
        }
        catch (Exception e) when (e is ModelNotFoundException or OperationCanceledException)
        {
            // Not the version's fault: no backoff.
            _versions.TryRemove(new KeyValuePair<VersionKey, VersionSlot>(slot.Key, slot));
            throw;
        }
        catch (Exception e)
        {
            DateTimeOffset now = _timeProvider.GetUtcNow();
            LoadFailure failure = _failures.AddOrUpdate(
                slot.Key,
                static (_, arg) => new LoadFailure(1, arg.Now + arg.Self.Backoff(1), arg.Error),
                static (_, previous, arg) => new LoadFailure(previous.Attempts + 1, arg.Now + arg.Self.Backoff(previous.Attempts + 1), arg.Error),
                (Self: this, Now: now, Error: e));
            _versions.TryRemove(new KeyValuePair<VersionKey, VersionSlot>(slot.Key, slot));
            CacheLog.LoadFailed(_logger, model, version, failure.Attempts, failure.RetryAfter, e);
            throw failure.ToException(slot.Key);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        double factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(_options.LoadRetryInitialDelay.Ticks * factor, _options.LoadRetryMaxDelay.Ticks));
    }

    private void EnforceCapacity()
    {
        lock (_evictionGate)
        {
            var loaded = _versions.Values.Where(s => Volatile.Read(ref s.Loaded) is not null).ToList();
            int excess = loaded.Count - _options.MaxLoadedVersions;
            if (excess <= 0)
            {
                return;
            }

            var serving = new HashSet<VersionSlot>();
            foreach (ModelState state in _models.Values)
            {
                if (state.View is { } view)
                {
                    serving.UnionWith(view.Active.Values.Select(a => a.Slot));
                }
            }

            foreach (VersionSlot slot in loaded
                         .Where(s => !serving.Contains(s) && Volatile.Read(ref s.Pins) == 0)
                         .OrderBy(s => Volatile.Read(ref s.LastUsed))
                         .Take(excess))
            {
                if (_versions.TryRemove(new KeyValuePair<VersionKey, VersionSlot>(slot.Key, slot)))
                {
                    excess--;
                    CacheLog.Evicted(_logger, slot.Key.Model, slot.Key.Version);
                }
            }

            if (excess > 0)
            {
                CacheLog.OverCapacity(_logger, loaded.Count, _options.MaxLoadedVersions);
            }
        }
    }

    /// <param name="changed">
    /// True when a change is known to have been committed: a refresh already running may have read the
    /// ETag before it, so it must run once more. False for a routine check, which a running refresh covers.
    /// </param>
    private void RequestBackgroundRefresh(ModelState state, bool changed)
    {
        if (changed)
        {
            Volatile.Write(ref state.RefreshRequested, 1);
        }

        if (Interlocked.CompareExchange(ref state.RefreshRunning, 1, 0) == 0)
        {
            _ = Task.Run(() => RunBackgroundRefreshAsync(state));
        }
    }

    private async Task RunBackgroundRefreshAsync(ModelState state)
    {
        while (true)
        {
            // A request made while this refresh runs sets the flag again and gets one more round, so a
            // change committed just after this round read the ETag is not missed.
            Volatile.Write(ref state.RefreshRequested, 0);
            try
            {
                await RefreshAsync(state, onlyIfStale: false, _disposed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                Volatile.Write(ref state.RefreshRunning, 0);
                return;
            }
            catch (Exception e)
            {
                CacheLog.RefreshFailed(_logger, state.Model, e);

                // Serve on and try again after the interval, not on the very next request.
                if (state.View is { } view)
                {
                    state.View = view with { CheckedAt = _timeProvider.GetTimestamp() };
                }
            }

            Volatile.Write(ref state.RefreshRunning, 0);
            if (Volatile.Read(ref state.RefreshRequested) == 0 || Interlocked.CompareExchange(ref state.RefreshRunning, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private void OnAliasesChanged(object? sender, ModelAliasesChangedEventArgs e) => Invalidate(e.Model);

    private bool IsStale(AliasView view) => _timeProvider.GetElapsedTime(view.CheckedAt) >= _options.AliasRefreshInterval;

    private void Touch(VersionSlot slot) => Volatile.Write(ref slot.LastUsed, Interlocked.Increment(ref _useClock));

    private readonly record struct VersionKey(string Model, string Version);

    /// <summary>One version, loading or loaded. Its load starts on first use and is shared by every waiter.</summary>
    private sealed class VersionSlot
    {
        private readonly Lazy<Task<LoadedModel<TModel>>> _loading;

        public VersionSlot(VersionKey key, Func<VersionSlot, Task<LoadedModel<TModel>>> load)
        {
            Key = key;
            _loading = new Lazy<Task<LoadedModel<TModel>>>(() => load(this), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public VersionKey Key { get; }

        public Task<LoadedModel<TModel>> Loading => _loading.Value;

        // Fields, not properties: read and written with Volatile and Interlocked.
        public LoadedModel<TModel>? Loaded;
        public long LastUsed;
        public int Pins;
    }

    private sealed record ActiveAlias(LoadedModel<TModel> Served, VersionSlot Slot);

    /// <summary>What one model's aliases serve, as of one check of its alias document. Never modified; replaced.</summary>
    private sealed record AliasView(string? ETag, long CheckedAt, IReadOnlyDictionary<string, ActiveAlias> Active, IReadOnlyDictionary<string, string> Targets)
    {
        /// <summary>Whether some alias's target is not what it serves (its load failed and is retried later).</summary>
        public bool HasPending { get; } = Targets.Any(t => !Active.TryGetValue(t.Key, out ActiveAlias? a) || a.Served.Version != t.Value);
    }

    private sealed class ModelState(string model)
    {
        public string Model { get; } = model;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile AliasView? View;
        public int RefreshRunning;
        public int RefreshRequested;
    }

    private sealed record LoadFailure(int Attempts, DateTimeOffset RetryAfter, Exception Error)
    {
        public ModelLoadException ToException(VersionKey key) =>
            new(key.Model, key.Version, $"Model '{key.Model}' version '{key.Version}' could not be loaded: {Error.Message}", RetryAfter, Error);
    }
}
