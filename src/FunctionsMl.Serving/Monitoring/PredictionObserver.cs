using System.Runtime.InteropServices;
using System.Text.Json;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Traffic;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// What the prediction endpoints do around each request once it is scored: count and time it, log it for
/// feedback (sampled), and hand copies to the shadow targets of its policy. One call per request; the request
/// body is copied at most once, and only when the request is logged or shadowed.
/// </summary>
public sealed class PredictionObserver
{
    private readonly ModelMonitor _monitor;
    private readonly PredictionLog _log;
    private readonly ShadowDispatcher _shadows;
    private readonly TimeProvider _timeProvider;

    public PredictionObserver(ModelMonitor monitor, PredictionLog log, ShadowDispatcher shadows, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(shadows);
        _monitor = monitor;
        _log = log;
        _shadows = shadows;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The timestamp to pass back as <c>started</c>.</summary>
    public long Start() => _timeProvider.GetTimestamp();

    /// <summary>A request was answered.</summary>
    /// <param name="body">The request's rows as JSON (a row object or <c>{"instances": [...]}</c>).</param>
    /// <param name="outputs">Row-major outputs; kept by the log and the shadows, so not to be reused by the caller.</param>
    public void Succeeded(RouteDecision route, string requestId, JsonElement body, PredictionRows rows, float[] outputs, long started, bool allowUnknownFields)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(outputs);
        var served = route.Served;
        _monitor.RecordSuccess(served, rows, outputs, _timeProvider.GetElapsedTime(started));

        var raw = JsonMarshal.GetRawUtf8Value(body);
        byte[]? copy = null;
        if (_log.ShouldLog(served.Name, requestId, raw.Length))
        {
            copy = raw.ToArray();
            _log.Add(served, requestId, copy, rows.Rows.Count, outputs);
        }

        if (route.Policy is { Shadows.Count: > 0 } policy)
        {
            foreach (var shadow in policy.Shadows)
            {
                if (shadow.Takes(requestId))
                {
                    copy ??= raw.ToArray();
                    _shadows.TryEnqueue(new ShadowCopy(served.Name, shadow.Target, requestId, copy, served, outputs, allowUnknownFields));
                }
            }
        }
    }

    /// <summary>A request failed; <paramref name="served"/> is the version chosen before it failed, if any.</summary>
    public void Failed(string model, ServedModel? served, long started) =>
        _monitor.RecordFailure(model, served, _timeProvider.GetElapsedTime(started));
}
