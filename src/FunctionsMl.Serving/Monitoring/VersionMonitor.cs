using FunctionsMl.Engine;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Prediction;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// One model version's recent serving: a ring of time buckets (one per <see cref="MonitoringOptions.BucketDuration"/>)
/// of counters and histograms, written with interlocked increments and no locks on the request path. A bucket
/// is cleared when its slot comes round again; the window is the buckets of the last
/// <see cref="MonitoringOptions.WindowBuckets"/> periods.
/// </summary>
internal sealed class VersionMonitor
{
    private readonly Bucket[] _slots;
    private readonly LogBuckets? _values;
    private readonly IReadOnlyList<string>? _classes;
    private readonly int _driftEvery;
    private readonly int _driftMaxPerBucket;
    private long _driftCounter;
    private long _lastEpoch;

    /// <param name="epoch">The bucket period it is created in, so an unused monitor ages like a used one.</param>
    public VersionMonitor(string model, string version, ModelManifest manifest, MonitoringOptions options, long epoch)
    {
        _lastEpoch = epoch;
        Model = model;
        Version = version;
        Manifest = manifest;
        Drift = DriftProfile.From(manifest);
        _classes = manifest.Task == ModelTask.Regression ? null : manifest.ClassLabels;
        _values = _classes is null ? LogBuckets.Values : null;
        _driftEvery = options.DriftSampleRate <= 0 ? 0 : (int)Math.Max(1, Math.Round(1 / options.DriftSampleRate));
        _driftMaxPerBucket = options.DriftMaxRowsPerBucket;
        var predictionBins = _classes?.Count ?? _values!.Count;
        _slots = new Bucket[options.WindowBuckets];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Bucket(predictionBins, Drift?.BinCount ?? 0);
        }
    }

    public string Model { get; }

    public string Version { get; }

    public ModelManifest Manifest { get; }

    public DriftProfile? Drift { get; }

    public OnlineAccumulator Online { get; } = new();

    /// <summary>The last bucket period anything was recorded in.</summary>
    public long LastEpoch => Volatile.Read(ref _lastEpoch);

    public void RecordSuccess(long epoch, PredictionRows rows, ReadOnlySpan<float> outputs, TimeSpan latency)
    {
        var bucket = Current(epoch);
        Interlocked.Increment(ref bucket.Requests);
        Interlocked.Add(ref bucket.Rows, rows.Rows.Count);
        RecordLatency(bucket.Latency, ref bucket.LatencyTicks, ref bucket.LatencyMaxTicks, latency);
        RecordPredictions(bucket.Predictions, outputs, rows.Rows.Count);
        if (Drift is not null && _driftEvery > 0 && Volatile.Read(ref bucket.DriftRows) < _driftMaxPerBucket)
        {
            for (var i = 0; i < rows.Rows.Count; i++)
            {
                if (Interlocked.Increment(ref _driftCounter) % _driftEvery == 0)
                {
                    Drift.Record(rows.Rows[i], bucket.Drift);
                    Interlocked.Increment(ref bucket.DriftRows);
                }
            }
        }
    }

    public void RecordFailure(long epoch, TimeSpan latency)
    {
        var bucket = Current(epoch);
        Interlocked.Increment(ref bucket.Requests);
        Interlocked.Increment(ref bucket.Errors);
        RecordLatency(bucket.Latency, ref bucket.LatencyTicks, ref bucket.LatencyMaxTicks, latency);
    }

    /// <param name="comparison">How the shadow's answers compare with the served ones; null when it failed.</param>
    public void RecordShadow(long epoch, TimeSpan latency, int rows, ShadowComparison? comparison)
    {
        var bucket = Current(epoch);
        Interlocked.Increment(ref bucket.ShadowRequests);
        RecordLatency(bucket.ShadowLatency, ref bucket.ShadowLatencyTicks, ref bucket.ShadowLatencyMaxTicks, latency);
        if (comparison is not { } compared)
        {
            Interlocked.Increment(ref bucket.ShadowErrors);
            return;
        }

        Interlocked.Add(ref bucket.ShadowRows, rows);
        lock (bucket.ShadowGate)
        {
            bucket.ShadowCompared += compared.Rows;
            bucket.ShadowAgreed += compared.Agreeing;
            bucket.ShadowAbsoluteDifference += compared.AbsoluteDifferenceSum;
        }
    }

    public VersionStats Snapshot(long epoch, MonitoringOptions options)
    {
        long requests = 0, errors = 0, rows = 0, latencyTicks = 0, latencyMax = 0, driftRows = 0;
        long shadowRequests = 0, shadowErrors = 0, shadowRows = 0, shadowTicks = 0, shadowMax = 0, compared = 0, agreed = 0;
        double absoluteDifference = 0;
        var latency = new long[LogBuckets.Latency.Count];
        var shadowLatency = new long[LogBuckets.Latency.Count];
        var predictions = new long[_slots[0].Predictions.Length];
        var drift = new long[_slots[0].Drift.Length];
        foreach (var bucket in _slots)
        {
            var bucketEpoch = Volatile.Read(ref bucket.Epoch);
            if (bucketEpoch > epoch || bucketEpoch <= epoch - _slots.Length)
            {
                continue;
            }

            requests += Volatile.Read(ref bucket.Requests);
            errors += Volatile.Read(ref bucket.Errors);
            rows += Volatile.Read(ref bucket.Rows);
            latencyTicks += Volatile.Read(ref bucket.LatencyTicks);
            latencyMax = Math.Max(latencyMax, Volatile.Read(ref bucket.LatencyMaxTicks));
            driftRows += Volatile.Read(ref bucket.DriftRows);
            shadowRequests += Volatile.Read(ref bucket.ShadowRequests);
            shadowErrors += Volatile.Read(ref bucket.ShadowErrors);
            shadowRows += Volatile.Read(ref bucket.ShadowRows);
            shadowTicks += Volatile.Read(ref bucket.ShadowLatencyTicks);
            shadowMax = Math.Max(shadowMax, Volatile.Read(ref bucket.ShadowLatencyMaxTicks));
            lock (bucket.ShadowGate)
            {
                compared += bucket.ShadowCompared;
                agreed += bucket.ShadowAgreed;
                absoluteDifference += bucket.ShadowAbsoluteDifference;
            }

            Add(latency, bucket.Latency);
            Add(shadowLatency, bucket.ShadowLatency);
            Add(predictions, bucket.Predictions);
            Add(drift, bucket.Drift);
        }

        ShadowStats? shadow = shadowRequests == 0 ? null : new ShadowStats(
            shadowRequests,
            shadowErrors,
            shadowRows,
            Latency(shadowLatency, shadowRequests, shadowTicks, shadowMax),
            _classes is not null && compared > 0 ? (double)agreed / compared : null,
            _classes is null && compared > 0 ? absoluteDifference / compared : null);
        var online = Online.Snapshot(Model, Version);
        return new VersionStats(
            Version,
            requests,
            errors,
            rows,
            Latency(latency, requests, latencyTicks, latencyMax),
            PredictionStatsOf(predictions),
            Drift is null ? null : DriftStatsOf(drift, driftRows, options),
            shadow,
            online.Count == 0 ? null : new OnlineStats(online.Count, online.Accuracy, online.LogLoss, online.Mae, online.Rmse));
    }

    /// <summary>The overall PSI of the window, for the drift gauge; null without a profile or rows.</summary>
    public double? OverallPsi(long epoch, MonitoringOptions options) =>
        Drift is null ? null : Snapshot(epoch, options).Drift is { Rows: > 0 } drift ? drift.Psi : null;

    /// <summary>Marks the version as in use in <paramref name="epoch"/> (feedback keeps it alive like traffic does).</summary>
    public void Touch(long epoch)
    {
        if (epoch > Volatile.Read(ref _lastEpoch))
        {
            Volatile.Write(ref _lastEpoch, epoch);
        }
    }

    private Bucket Current(long epoch)
    {
        var bucket = _slots[(int)(((epoch % _slots.Length) + _slots.Length) % _slots.Length)];
        if (Volatile.Read(ref bucket.Epoch) != epoch)
        {
            lock (bucket)
            {
                if (bucket.Epoch < epoch)
                {
                    bucket.Reset(epoch);
                }
            }
        }

        Touch(epoch);
        return bucket;
    }

    private void RecordPredictions(long[] counts, ReadOnlySpan<float> outputs, int rowCount)
    {
        if (_classes is { } classes)
        {
            var width = classes.Count;
            for (var row = 0; row < rowCount && (row + 1) * width <= outputs.Length; row++)
            {
                Interlocked.Increment(ref counts[ClassificationMetrics.ArgMax(outputs.Slice(row * width, width))]);
            }

            return;
        }

        for (var row = 0; row < rowCount && row < outputs.Length; row++)
        {
            var index = _values!.IndexOf(outputs[row]);
            if (index >= 0)
            {
                Interlocked.Increment(ref counts[index]);
            }
        }
    }

    private PredictionStats PredictionStatsOf(long[] counts)
    {
        var total = counts.Sum();
        if (_classes is { } classes)
        {
            var shares = new Dictionary<string, double>(classes.Count, StringComparer.Ordinal);
            for (var i = 0; i < classes.Count; i++)
            {
                shares[classes[i]] = total == 0 ? 0 : (double)counts[i] / total;
            }

            return new PredictionStats(shares, null);
        }

        if (total == 0)
        {
            return new PredictionStats(null, null);
        }

        var quantiles = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, q) in new[] { ("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95) })
        {
            quantiles[name] = _values!.Quantile(counts, q)!.Value;
        }

        return new PredictionStats(null, quantiles);
    }

    private DriftStats DriftStatsOf(long[] counts, long rows, MonitoringOptions options)
    {
        var enough = rows >= options.DriftMinRows;
        var features = new List<FeatureDriftStats>(Drift!.Features.Count);
        foreach (var feature in Drift.Features)
        {
            var slice = counts.AsSpan(feature.Offset, feature.Expected.Length);
            var total = 0L;
            foreach (var count in slice)
            {
                total += count;
            }

            var psi = PopulationStability.Index(feature.Expected, slice);
            var bins = new BinShare[feature.Expected.Length];
            for (var i = 0; i < bins.Length; i++)
            {
                bins[i] = new BinShare(feature.BinLabels[i], feature.Expected[i], total == 0 ? 0 : (double)slice[i] / total);
            }

            features.Add(new FeatureDriftStats(feature.Name, feature.Kind.ToString().ToLowerInvariant(), psi, enough && psi >= options.DriftThreshold, bins));
        }

        var overall = features.Count == 0 ? 0 : features.Average(f => f.Psi);
        return new DriftStats(rows, options.DriftThreshold, overall, enough, features.Any(f => f.Drifted), features);
    }

    private static void RecordLatency(long[] histogram, ref long ticks, ref long maxTicks, TimeSpan latency)
    {
        var value = Math.Max(0, latency.Ticks);
        Interlocked.Add(ref ticks, value);
        var max = Volatile.Read(ref maxTicks);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref maxTicks, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }

        Interlocked.Increment(ref histogram[LogBuckets.Latency.IndexOf(value / (double)TimeSpan.TicksPerMicrosecond)]);
    }

    private static LatencyStats Latency(long[] histogram, long count, long ticks, long maxTicks)
    {
        if (count == 0)
        {
            return new LatencyStats(null, null, null, null, null);
        }

        // To a tenth of a microsecond: finer digits would only be the histogram's bucket arithmetic.
        var maxMs = maxTicks / (double)TimeSpan.TicksPerMillisecond;
        double? Percentile(double q) => LogBuckets.Latency.Quantile(histogram, q) is { } micros ? Math.Round(Math.Min(micros / 1000, maxMs), 4) : null;
        return new LatencyStats(Percentile(0.5), Percentile(0.95), Percentile(0.99), Math.Round(ticks / (double)count / TimeSpan.TicksPerMillisecond, 4), maxMs);
    }

    private static void Add(long[] sum, long[] values)
    {
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] += Volatile.Read(ref values[i]);
        }
    }

    private sealed class Bucket(int predictionBins, int driftBins)
    {
        // Fields: updated with Interlocked from many request threads.
        public long Epoch = long.MinValue;
        public long Requests;
        public long Errors;
        public long Rows;
        public long LatencyTicks;
        public long LatencyMaxTicks;
        public long DriftRows;
        public long ShadowRequests;
        public long ShadowErrors;
        public long ShadowRows;
        public long ShadowLatencyTicks;
        public long ShadowLatencyMaxTicks;
        public long ShadowCompared;
        public long ShadowAgreed;
        public double ShadowAbsoluteDifference;

        public Lock ShadowGate { get; } = new();

        public long[] Latency { get; } = new long[LogBuckets.Latency.Count];

        public long[] ShadowLatency { get; } = new long[LogBuckets.Latency.Count];

        public long[] Predictions { get; } = new long[predictionBins];

        public long[] Drift { get; } = new long[driftBins];

        /// <summary>Clears the bucket for a new period; the epoch is written last so readers never see old counts under it.</summary>
        public void Reset(long epoch)
        {
            Requests = Errors = Rows = LatencyTicks = LatencyMaxTicks = DriftRows = 0;
            ShadowRequests = ShadowErrors = ShadowRows = ShadowLatencyTicks = ShadowLatencyMaxTicks = ShadowCompared = ShadowAgreed = 0;
            ShadowAbsoluteDifference = 0;
            Array.Clear(Latency);
            Array.Clear(ShadowLatency);
            Array.Clear(Predictions);
            Array.Clear(Drift);
            Volatile.Write(ref Epoch, epoch);
        }
    }
}

/// <summary>How a shadow's answers compared with the served ones over the rows of one request.</summary>
/// <param name="Agreeing">Rows whose label matched (classifiers).</param>
/// <param name="AbsoluteDifferenceSum">Σ |shadow − served| (regressors).</param>
public readonly record struct ShadowComparison(int Rows, int Agreeing, double AbsoluteDifferenceSum);
