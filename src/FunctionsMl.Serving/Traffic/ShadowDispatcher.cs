using System.Text.Json;
using System.Threading.Channels;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Prediction;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Traffic;

/// <summary>A copy of a served request for one shadow target.</summary>
/// <param name="Body">The request's rows as JSON (one row object, or <c>{"instances": [...]}</c>), copied out of the request.</param>
/// <param name="Primary">The version that answered the caller.</param>
/// <param name="PrimaryOutputs">Its outputs, row-major, to compare the shadow's with.</param>
public sealed record ShadowCopy(string Model, string Target, string RequestId, ReadOnlyMemory<byte> Body, ServedModel Primary, float[] PrimaryOutputs, bool AllowUnknownFields);

/// <summary>
/// Scores shadow copies off the request path: requests only try to add a copy to a bounded queue (dropping and
/// counting it when the queue is full, never waiting), and background workers resolve each shadow target, score
/// the copy, compare its answers with the served ones, record the outcome and log a sample. Whatever a shadow
/// does (fail, hang, load slowly) costs the caller nothing beyond that enqueue.
/// </summary>
public sealed class ShadowDispatcher : BackgroundService
{
    private readonly IModelResolver _resolver;
    private readonly ModelMonitor _monitor;
    private readonly TrafficOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    /// <summary>How long a worker that emptied the queue waits before looking again.</summary>
    private static readonly TimeSpan BatchPause = TimeSpan.FromMilliseconds(5);

    private readonly Channel<ShadowCopy> _queue;
    private readonly int _logEvery;
    private long _scored;
    private long _dropped;
    private long _failed;

    public ShadowDispatcher(IModelResolver resolver, ModelMonitor monitor, TrafficOptions? options = null, TimeProvider? timeProvider = null, ILogger<ShadowDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(monitor);
        _resolver = resolver;
        _monitor = monitor;
        _options = options ?? new TrafficOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _logEvery = _options.ShadowLogSampleRate <= 0 ? 0 : (int)Math.Max(1, Math.Round(1 / _options.ShadowLogSampleRate));
        _queue = Channel.CreateBounded<ShadowCopy>(new BoundedChannelOptions(_options.ShadowQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting, and the copy is counted as dropped.
            SingleReader = _options.ShadowWorkers == 1,
            SingleWriter = false,
        });
    }

    /// <summary>Copies scored (successfully or not) since start.</summary>
    public long Processed => Interlocked.Read(ref _scored);

    /// <summary>Copies dropped because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Copies whose shadow failed, since start.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Copies waiting.</summary>
    public int Pending => _queue.Reader.Count;

    /// <summary>Queues a copy if there is room; never blocks. False when it was dropped.</summary>
    public bool TryEnqueue(ShadowCopy copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        if (_queue.Writer.TryWrite(copy))
        {
            return true;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        _monitor.RecordShadowDropped(copy.Model);
        if ((dropped & (dropped - 1)) == 0)
        {
            TrafficLog.ShadowDropped(_logger, copy.Model, copy.Target, dropped);
        }

        return false;
    }

    /// <summary>Scores one copy now; what the workers do with each. Never throws except for cancellation by <paramref name="stoppingToken"/>.</summary>
    public async Task ProcessAsync(ShadowCopy copy, CancellationToken stoppingToken = default)
    {
        ArgumentNullException.ThrowIfNull(copy);
        var started = _timeProvider.GetTimestamp();
        ServedModel? shadow = null;
        try
        {
            // Usually a cache hit that completes at once; only a version still loading is waited for, within the timeout.
            var resolving = _resolver.ResolveAsync(copy.Model, copy.Target, stoppingToken);
            shadow = resolving.IsCompleted
                ? resolving.Result
                : await resolving.AsTask().WaitAsync(_options.ShadowTimeout, _timeProvider, stoppingToken).ConfigureAwait(false);

            if (shadow.Version == copy.Primary.Version)
            {
                return; // The shadow's alias now points at the served version: nothing to compare.
            }

            using var document = JsonDocument.Parse(copy.Body);
            var rows = PredictionRows.From(document.RootElement, int.MaxValue);
            var outputs = RowScorer.Score(shadow.Model, rows, copy.AllowUnknownFields);
            var latency = _timeProvider.GetElapsedTime(started);
            var comparison = Compare(copy.Primary, copy.PrimaryOutputs, shadow, outputs, rows.Rows.Count);
            _monitor.RecordShadow(shadow, rows.Rows.Count, latency, comparison);
            if (_logEvery > 0 && Interlocked.Read(ref _scored) % _logEvery == 0)
            {
                TrafficLog.ShadowAnswered(
                    _logger, copy.Model, shadow.Version, copy.RequestId, latency.TotalMilliseconds,
                    Describe(shadow, outputs), copy.Primary.Version, Describe(copy.Primary, copy.PrimaryOutputs));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            var failed = Interlocked.Increment(ref _failed);
            if (shadow is null)
            {
                _monitor.RecordShadowUnresolved(copy.Model, copy.Target);
            }
            else
            {
                _monitor.RecordShadow(shadow, 0, _timeProvider.GetElapsedTime(started), null);
            }

            if ((failed & (failed - 1)) == 0)
            {
                TrafficLog.ShadowFailed(_logger, copy.Model, copy.Target, copy.RequestId, e);
            }
        }
        finally
        {
            Interlocked.Increment(ref _scored);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.ShadowWorkers).Select(_ =>
            Task.Factory.StartNew(() => Work(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

    /// <summary>
    /// A worker on a thread of its own: copies come in a trickle between requests, and waking a pool thread for each
    /// (which then spins looking for more work) would cost the requests more than scoring the copy does. So the
    /// worker sleeps on the queue while it is empty, scores everything there, and pauses briefly to let the next
    /// copies gather: at most a couple of hundred wake-ups a second, and shadow answers lag a few milliseconds.
    /// Blocking is fine here: the thread is the worker's own, and almost every copy completes without waiting.
    /// </summary>
    private void Work(CancellationToken stoppingToken)
    {
        try
        {
            while (_queue.Reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult())
            {
                while (_queue.Reader.TryRead(out var copy))
                {
                    ProcessAsync(copy, stoppingToken).GetAwaiter().GetResult();
                }

                stoppingToken.WaitHandle.WaitOne(BatchPause);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: copies still queued are dropped with the process, as a shadow's answers never matter to callers.
        }
    }

    private static ShadowComparison? Compare(ServedModel primary, float[] primaryOutputs, ServedModel shadow, float[] shadowOutputs, int rows)
    {
        var primaryManifest = primary.Model.Manifest;
        var shadowManifest = shadow.Model.Manifest;
        if (primaryManifest.Task != shadowManifest.Task)
        {
            return new ShadowComparison(0, 0, 0);
        }

        if (primaryManifest.Task == ModelTask.Regression)
        {
            double sum = 0;
            for (var row = 0; row < rows; row++)
            {
                sum += Math.Abs(shadowOutputs[row] - primaryOutputs[row]);
            }

            return new ShadowComparison(rows, 0, sum);
        }

        var primaryLabels = primaryManifest.ClassLabels!;
        var shadowLabels = shadowManifest.ClassLabels!;
        var agreeing = 0;
        for (var row = 0; row < rows; row++)
        {
            var served = primaryLabels[ClassificationMetrics.ArgMax(primaryOutputs.AsSpan(row * primaryLabels.Count, primaryLabels.Count))];
            var shadowed = shadowLabels[ClassificationMetrics.ArgMax(shadowOutputs.AsSpan(row * shadowLabels.Count, shadowLabels.Count))];
            if (served == shadowed)
            {
                agreeing++;
            }
        }

        return new ShadowComparison(rows, agreeing, 0);
    }

    private static string Describe(ServedModel served, float[] outputs)
    {
        var manifest = served.Model.Manifest;
        if (manifest.Task == ModelTask.Regression)
        {
            return string.Join(", ", outputs.Take(5).Select(v => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)));
        }

        var labels = manifest.ClassLabels!;
        var rows = outputs.Length / labels.Count;
        return string.Join(", ", Enumerable.Range(0, Math.Min(rows, 5)).Select(r => labels[ClassificationMetrics.ArgMax(outputs.AsSpan(r * labels.Count, labels.Count))]));
    }
}
