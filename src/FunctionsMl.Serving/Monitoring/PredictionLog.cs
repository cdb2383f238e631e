using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Traffic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>One logged prediction: which version answered which rows with which outputs.</summary>
public sealed class LoggedPrediction
{
    private int[]? _labelled;

    /// <param name="body">The request's rows as JSON: one row object, or <c>{"instances": [...]}</c>.</param>
    /// <param name="outputs">Row-major outputs, as the model produced them.</param>
    public LoggedPrediction(string model, string version, string requestId, DateTimeOffset at, ReadOnlyMemory<byte> body, int rowCount, float[] outputs)
    {
        Model = model;
        Version = version;
        RequestId = requestId;
        At = at;
        Body = body;
        RowCount = rowCount;
        Outputs = outputs;
    }

    public string Model { get; }

    public string Version { get; }

    public string RequestId { get; }

    public DateTimeOffset At { get; }

    public ReadOnlyMemory<byte> Body { get; }

    public int RowCount { get; }

    public float[] Outputs { get; }

    /// <summary>Outputs per row.</summary>
    public int Width => RowCount == 0 ? 0 : Outputs.Length / RowCount;

    /// <summary>The outputs of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> OutputsOf(int row) => Outputs.AsSpan(row * Width, Width);

    /// <summary>Parses the body and returns a copy of row <paramref name="row"/>.</summary>
    public JsonElement RowAt(int row)
    {
        using var document = JsonDocument.Parse(Body);
        return PredictionRows.From(document.RootElement, int.MaxValue).Rows[row].Clone();
    }

    /// <summary>Marks a row as having feedback; false when it already had.</summary>
    internal bool TryMarkLabelled(int row)
    {
        var flags = Volatile.Read(ref _labelled) ?? Interlocked.CompareExchange(ref _labelled, new int[RowCount], null) ?? _labelled!;
        return Interlocked.Exchange(ref flags[row], 1) == 0;
    }

    internal bool IsLabelled(int row) => Volatile.Read(ref _labelled) is { } flags && Volatile.Read(ref flags[row]) == 1;
}

/// <summary>
/// Logs predictions so feedback can be joined to them later: a sample of requests (by a hash of the request id,
/// so every instance picks the same ones) is kept in memory, newest first, within a count and a byte budget, and
/// written to <c>logs/&lt;name&gt;/predictions/</c> in small files on each flush. A request id no longer in
/// memory (evicted, or served by another instance or before a restart) is looked up in those files.
/// </summary>
public sealed class PredictionLog
{
    private readonly IObjectStore _store;
    private readonly MonitoringOptions _options;
    private readonly ModelMonitor _monitor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Model, string RequestId), LoggedPrediction> _recent = new();
    private readonly ConcurrentQueue<LoggedPrediction> _order = new();
    private readonly ConcurrentQueue<LoggedPrediction> _pending = new();
    private readonly ulong _sampleSeed = RoutingHash.Seed("functionsml/prediction-log");
    private readonly int _samplePercentTimes100;
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly Lock _limiterGate = new();
    private long _limiterSecond = long.MinValue;
    private long _limiterCount;
    private long _recentCount;
    private long _recentBytes;
    private long _pendingCount;
    private long _sequence;

    public PredictionLog(IObjectStore store, ModelMonitor monitor, TimeProvider? timeProvider = null, ILogger<PredictionLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(monitor);
        _store = store;
        _monitor = monitor;
        _options = monitor.Options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _samplePercentTimes100 = (int)Math.Round(_options.PredictionLogSampleRate * 10_000);
        InstanceId = Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>Names this instance's files, so instances writing at the same millisecond do not collide.</summary>
    public string InstanceId { get; }

    /// <summary>Predictions waiting to be written.</summary>
    public long Pending => Interlocked.Read(ref _pendingCount);

    /// <summary>Whether the prediction with this request id is sampled for logging (the same answer on every instance).</summary>
    public bool IsSampled(string requestId)
    {
        if (!_options.Enabled || _samplePercentTimes100 <= 0)
        {
            return false;
        }

        if (_samplePercentTimes100 >= 10_000)
        {
            return true;
        }

        // Two hashes give a bucket in [0, 10000), i.e. the rate to a hundredth of a percent.
        var high = RoutingHash.Bucket(_sampleSeed, requestId.AsSpan());
        var low = RoutingHash.Bucket(_sampleSeed ^ 0x9E3779B97F4A7C15, requestId.AsSpan());
        return (high * 100) + low < _samplePercentTimes100;
    }

    /// <summary>
    /// Whether a prediction is to be logged: sampled, small enough, within this second's budget and with room in
    /// the write queue. A prediction that is not is counted in the model's stats.
    /// </summary>
    public bool ShouldLog(string model, string requestId, int bodyLength)
    {
        if (IsSampled(requestId) && bodyLength <= _options.PredictionLogMaxBodyBytes && Interlocked.Read(ref _pendingCount) < _options.PredictionLogMaxPending && TakeToken())
        {
            return true;
        }

        if (_options.Enabled)
        {
            _monitor.RecordNotLogged(model);
        }

        return false;
    }

    /// <summary>One of this second's <see cref="MonitoringOptions.PredictionLogMaxPerSecond"/> log slots, if any is left.</summary>
    private bool TakeToken()
    {
        var second = _timeProvider.GetTimestamp() / _timeProvider.TimestampFrequency;
        if (second != Volatile.Read(ref _limiterSecond))
        {
            lock (_limiterGate)
            {
                if (second != _limiterSecond)
                {
                    Volatile.Write(ref _limiterCount, 0);
                    Volatile.Write(ref _limiterSecond, second);
                }
            }
        }

        return Interlocked.Increment(ref _limiterCount) <= _options.PredictionLogMaxPerSecond;
    }

    /// <summary>Logs a served prediction that <see cref="ShouldLog"/> chose.</summary>
    /// <param name="body">The request's rows as JSON, owned by the log from now on.</param>
    public LoggedPrediction Add(ServedModel served, string requestId, ReadOnlyMemory<byte> body, int rowCount, float[] outputs)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(outputs);
        var entry = new LoggedPrediction(served.Name, served.Version, requestId, _timeProvider.GetUtcNow(), body, rowCount, outputs);
        Remember(entry);
        _pending.Enqueue(entry);
        Interlocked.Increment(ref _pendingCount);
        return entry;
    }

    /// <summary><see cref="ShouldLog"/> then <see cref="Add"/>, copying <paramref name="body"/>.</summary>
    /// <returns>Whether it was logged.</returns>
    public bool TryLog(ServedModel served, string requestId, ReadOnlySpan<byte> body, int rowCount, float[] outputs)
    {
        ArgumentNullException.ThrowIfNull(served);
        if (!ShouldLog(served.Name, requestId, body.Length))
        {
            return false;
        }

        Add(served, requestId, body.ToArray(), rowCount, outputs);
        return true;
    }

    /// <summary>The logged prediction in memory, if it is there.</summary>
    public LoggedPrediction? FindRecent(string model, string requestId) => _recent.GetValueOrDefault((model, requestId));

    /// <summary>
    /// The logged prediction with this request id: from memory, else from the stored log of the last
    /// <see cref="MonitoringOptions.FeedbackLookback"/>, newest files first, at most
    /// <see cref="MonitoringOptions.FeedbackLookupMaxChunks"/> of them. Null when not found.
    /// </summary>
    public async Task<LoggedPrediction?> FindAsync(string model, string requestId, CancellationToken cancellationToken = default)
    {
        if (FindRecent(model, requestId) is { } recent)
        {
            return recent;
        }

        var needle = NeedleOf(requestId);
        var now = _timeProvider.GetUtcNow();
        var read = 0;
        for (var day = now; day >= now - _options.FeedbackLookback - TimeSpan.FromDays(1) && read < _options.FeedbackLookupMaxChunks; day -= TimeSpan.FromDays(1))
        {
            var chunks = new List<string>();
            await foreach (var info in _store.ListAsync(MonitoringPaths.PredictionLogDay(model, day), cancellationToken).ConfigureAwait(false))
            {
                chunks.Add(info.Path);
            }

            for (var i = chunks.Count - 1; i >= 0 && read < _options.FeedbackLookupMaxChunks; i--, read++)
            {
                if (await _store.ReadAsync(chunks[i], cancellationToken).ConfigureAwait(false) is not { } chunk)
                {
                    continue;
                }

                var content = chunk.Content.Span;
                var at = content.LastIndexOf(needle);
                if (at < 0)
                {
                    continue;
                }

                var end = content[at..].IndexOf((byte)'\n');
                var line = end < 0 ? content[at..] : content.Slice(at, end);
                var found = ParseLine(model, line);
                Remember(found);
                return found;
            }
        }

        return null;
    }

    /// <summary>Writes every pending prediction to the store, in files of at most <see cref="MonitoringOptions.MaxLinesPerChunk"/> lines per model.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<LoggedPrediction>();
            while (_pending.TryDequeue(out var entry))
            {
                Interlocked.Decrement(ref _pendingCount);
                batch.Add(entry);
            }

            foreach (var group in batch.GroupBy(e => e.Model, StringComparer.Ordinal))
            {
                foreach (var chunk in group.Chunk(_options.MaxLinesPerChunk))
                {
                    await WriteChunkAsync(group.Key, chunk, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private async Task WriteChunkAsync(string model, LoggedPrediction[] entries, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var entry in entries)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteLine(writer, entry);
            }

            buffer.Write("\n"u8);
        }

        var path = MonitoringPaths.PredictionChunk(model, _timeProvider.GetUtcNow(), InstanceId, Interlocked.Increment(ref _sequence));
        try
        {
            await _store.WriteAsync(path, buffer.WrittenMemory, WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or PreconditionFailedException or UnauthorizedAccessException)
        {
            // The entries stay in memory for feedback; only their durable copy is lost.
            MonitoringLog.FlushFailed(_logger, model, path, entries.Length, e);
        }
    }

    private void Remember(LoggedPrediction entry)
    {
        _recent[(entry.Model, entry.RequestId)] = entry;
        _order.Enqueue(entry);
        Interlocked.Increment(ref _recentCount);
        Interlocked.Add(ref _recentBytes, entry.Body.Length);
        while ((Interlocked.Read(ref _recentCount) > _options.PredictionLogCapacity || Interlocked.Read(ref _recentBytes) > _options.PredictionLogMemoryBytes)
            && _order.TryDequeue(out var oldest))
        {
            Interlocked.Decrement(ref _recentCount);
            Interlocked.Add(ref _recentBytes, -oldest.Body.Length);
            _recent.TryRemove(new KeyValuePair<(string, string), LoggedPrediction>((oldest.Model, oldest.RequestId), oldest));
        }
    }

    internal static void WriteLine(Utf8JsonWriter writer, LoggedPrediction entry)
    {
        // requestId first: lookups search the files for {"requestId":"<id>" before parsing anything.
        writer.WriteStartObject();
        writer.WriteString("requestId", entry.RequestId);
        writer.WriteString("model", entry.Model);
        writer.WriteString("version", entry.Version);
        writer.WriteString("at", entry.At);
        writer.WritePropertyName("rows");
        writer.WriteRawValue(entry.Body.Span, skipInputValidation: true);
        writer.WriteStartArray("outputs");
        foreach (var value in entry.Outputs)
        {
            if (float.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static byte[] NeedleOf(string requestId)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("requestId", requestId);
            writer.Flush();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static LoggedPrediction ParseLine(string model, ReadOnlySpan<byte> line)
    {
        using var document = JsonDocument.Parse(line.ToArray());
        var root = document.RootElement;
        var body = JsonMarshal.GetRawUtf8Value(root.GetProperty("rows")).ToArray();
        var outputs = root.GetProperty("outputs").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetSingle() : float.NaN).ToArray();
        using var rowsDocument = JsonDocument.Parse(body);
        var rowCount = PredictionRows.From(rowsDocument.RootElement, int.MaxValue).Rows.Count;
        return new LoggedPrediction(model, root.GetProperty("version").GetString()!, root.GetProperty("requestId").GetString()!, root.GetProperty("at").GetDateTimeOffset(), body, rowCount, outputs);
    }
}
