using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Traffic;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// Serving statistics per model and version over a recent window (counts, errors, latency, what was predicted,
/// input drift, shadow comparisons, online accuracy), kept in memory by this instance and mirrored to the
/// <c>FunctionsMl</c> meter. Recording costs a few interlocked increments and no allocation; reading builds
/// a <see cref="ModelStats"/>.
/// </summary>
public sealed class ModelMonitor
{
    private readonly MonitoringOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ServingMetrics _metrics;
    private readonly ConcurrentDictionary<string, ModelEntry> _models = new(StringComparer.Ordinal);
    private readonly long _bucketMilliseconds;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public ModelMonitor(MonitoringOptions? options = null, TimeProvider? timeProvider = null, ServingMetrics? metrics = null)
    {
        _options = options ?? new MonitoringOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _metrics = metrics ?? new ServingMetrics();
        _bucketMilliseconds = (long)_options.BucketDuration.TotalMilliseconds;
        _metrics.ObserveDriftWith(ObserveDrift);
    }

    public MonitoringOptions Options => _options;

    /// <summary>Whether recording is on (<see cref="MonitoringOptions.Enabled"/>).</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>A request <paramref name="served"/> answered: its rows, their outputs (row-major) and how long it took.</summary>
    public void RecordSuccess(ServedModel served, PredictionRows rows, ReadOnlySpan<float> outputs, TimeSpan latency)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(rows);
        if (!_options.Enabled)
        {
            return;
        }

        VersionOf(served).RecordSuccess(CurrentEpoch(), rows, outputs, latency);
        _metrics.Prediction(served.Name, served.Version, success: true, rows.Rows.Count, latency.TotalMilliseconds);
    }

    /// <summary>A request failed; counted against <paramref name="served"/> when a version had been chosen.</summary>
    public void RecordFailure(string model, ServedModel? served, TimeSpan latency)
    {
        if (!_options.Enabled)
        {
            return;
        }

        if (served is not null)
        {
            VersionOf(served).RecordFailure(CurrentEpoch(), latency);
        }

        _metrics.Prediction(model, served?.Version ?? string.Empty, success: false, 0, latency.TotalMilliseconds);
    }

    /// <summary>A shadow copy was scored by <paramref name="shadow"/>; <paramref name="comparison"/> null when it failed.</summary>
    public void RecordShadow(ServedModel shadow, int rows, TimeSpan latency, ShadowComparison? comparison)
    {
        ArgumentNullException.ThrowIfNull(shadow);
        if (!_options.Enabled)
        {
            return;
        }

        VersionOf(shadow).RecordShadow(CurrentEpoch(), latency, rows, comparison);
        _metrics.Shadow(shadow.Name, shadow.Version, comparison is not null);
    }

    /// <summary>A shadow copy failed before a version was found for its target (e.g. it does not load).</summary>
    public void RecordShadowUnresolved(string model, string target)
    {
        if (_options.Enabled)
        {
            Interlocked.Increment(ref Entry(model).ShadowUnresolved);
            _metrics.Shadow(model, target, success: false);
        }
    }

    /// <summary>A shadow copy was dropped because the shadow queue was full.</summary>
    public void RecordShadowDropped(string model)
    {
        Interlocked.Increment(ref Entry(model).ShadowDropped);
        _metrics.ShadowDropped(model);
    }

    /// <summary>A prediction was not logged for feedback (sampled out, too large, or the log queue full).</summary>
    public void RecordNotLogged(string model) => Interlocked.Increment(ref Entry(model).NotLogged);

    /// <summary>The online metrics of a version, fed by feedback.</summary>
    public OnlineAccumulator OnlineOf(ServedModel served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var monitor = VersionOf(served);
        monitor.Touch(CurrentEpoch());
        return monitor.Online;
    }

    /// <summary>Counts one feedback row on the meter.</summary>
    internal void RecordFeedbackMetric(string model, string version, string outcome) => _metrics.Feedback(model, version, outcome);

    /// <summary>The online metrics of every version of <paramref name="model"/> with feedback since start.</summary>
    public IReadOnlyList<OnlineMetrics> GetOnlineMetrics(string model) =>
        _models.TryGetValue(model, out var entry)
            ? [.. entry.Versions.Values.Select(v => v.Online.Snapshot(model, v.Version)).Where(m => m.Count > 0).OrderBy(m => VersionOrder(m.Version))]
            : [];

    /// <summary>The model's statistics over the window ending now.</summary>
    /// <param name="traffic">The policy in force, shown with the stats.</param>
    public ModelStats GetStats(string model, TrafficPolicy? traffic = null)
    {
        var epoch = CurrentEpoch();
        var from = DateTimeOffset.FromUnixTimeMilliseconds((epoch - _options.WindowBuckets + 1) * _bucketMilliseconds);
        if (!_models.TryGetValue(model, out var entry))
        {
            return new ModelStats(model, from, _timeProvider.GetUtcNow(), (int)_options.BucketDuration.TotalSeconds, traffic, 0, 0, []);
        }

        var versions = entry.Versions.Values
            .Where(v => v.LastEpoch > epoch - _options.WindowBuckets || v.Online.Snapshot(model, v.Version).Count > 0)
            .OrderBy(v => VersionOrder(v.Version))
            .Select(v => v.Snapshot(epoch, _options))
            .ToList();
        return new ModelStats(
            model,
            from,
            _timeProvider.GetUtcNow(),
            (int)_options.BucketDuration.TotalSeconds,
            traffic,
            Interlocked.Read(ref entry.ShadowDropped),
            Interlocked.Read(ref entry.NotLogged),
            versions);
    }

    private VersionMonitor VersionOf(ServedModel served)
    {
        var entry = Entry(served.Name);
        if (entry.Versions.TryGetValue(served.Version, out var monitor))
        {
            return monitor;
        }

        // A new version is the moment to let go of the ones nobody used for a whole window: their stats are empty,
        // and their online metrics live on in the stored feedback log. This bounds memory as retraining adds versions.
        var epoch = CurrentEpoch();
        foreach (var (version, old) in entry.Versions)
        {
            if (old.LastEpoch <= epoch - _options.WindowBuckets)
            {
                entry.Versions.TryRemove(new KeyValuePair<string, VersionMonitor>(version, old));
            }
        }

        return entry.Versions.GetOrAdd(served.Version, static (version, arg) => new VersionMonitor(arg.Served.Name, version, arg.Served.Model.Manifest, arg.Options, arg.Epoch), (Served: served, Options: _options, Epoch: epoch));
    }

    private ModelEntry Entry(string model) => _models.TryGetValue(model, out var entry) ? entry : _models.GetOrAdd(model, static _ => new ModelEntry());

    private long CurrentEpoch() => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / _bucketMilliseconds;

    private IEnumerable<Measurement<double>> ObserveDrift()
    {
        var epoch = CurrentEpoch();
        foreach (var (model, entry) in _models)
        {
            foreach (var version in entry.Versions.Values)
            {
                if (version.LastEpoch > epoch - _options.WindowBuckets && version.OverallPsi(epoch, _options) is { } psi)
                {
                    yield return new Measurement<double>(psi, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("version", version.Version));
                }
            }
        }
    }

    private static long VersionOrder(string version) => RegistryNames.TryParseVersion(version, out var number) ? number : long.MaxValue;

    private sealed class ModelEntry
    {
        public ConcurrentDictionary<string, VersionMonitor> Versions { get; } = new(StringComparer.Ordinal);

        // Fields: counted with Interlocked.
        public long ShadowDropped;
        public long ShadowUnresolved;
        public long NotLogged;
    }
}
