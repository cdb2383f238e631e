using System.Diagnostics.Metrics;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// The serving instruments of the <c>FunctionsMl</c> meter, tagged with <c>model</c> and <c>version</c>, so
/// OpenTelemetry and Application Insights (which listen to meters by name) chart them without code here. With no
/// listener attached each call is a flag check.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>functionsml.predictions</term><description>counter of prediction requests; tag <c>outcome</c> = success | error</description></item>
/// <item><term>functionsml.prediction.rows</term><description>counter of rows scored</description></item>
/// <item><term>functionsml.prediction.duration</term><description>histogram, ms, from the request's start to its scores</description></item>
/// <item><term>functionsml.shadow.predictions</term><description>counter of shadow copies scored; tag <c>outcome</c></description></item>
/// <item><term>functionsml.shadow.dropped</term><description>counter of shadow copies dropped because the queue was full (tag <c>model</c> only)</description></item>
/// <item><term>functionsml.feedback</term><description>counter of feedback rows joined; tag <c>outcome</c> = correct | wrong | value</description></item>
/// <item><term>functionsml.drift.psi</term><description>gauge: overall PSI of each version's window (observed on collection)</description></item>
/// </list>
/// </remarks>
public sealed class ServingMetrics : IDisposable
{
    public const string MeterName = "FunctionsMl";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _predictions;
    private readonly Counter<long> _rows;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _shadowPredictions;
    private readonly Counter<long> _shadowDropped;
    private readonly Counter<long> _feedback;
    private Func<IEnumerable<Measurement<double>>>? _observeDrift;

    /// <param name="meterFactory">The host's factory (so the meter is disposed with the host); null creates a meter of its own.</param>
    public ServingMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _predictions = _meter.CreateCounter<long>("functionsml.predictions", "{request}", "Prediction requests by model, version and outcome.");
        _rows = _meter.CreateCounter<long>("functionsml.prediction.rows", "{row}", "Rows scored by model and version.");
        _duration = _meter.CreateHistogram<double>("functionsml.prediction.duration", "ms", "Prediction latency from the request's start to its scores.");
        _shadowPredictions = _meter.CreateCounter<long>("functionsml.shadow.predictions", "{request}", "Shadow copies scored by model, shadow version and outcome.");
        _shadowDropped = _meter.CreateCounter<long>("functionsml.shadow.dropped", "{request}", "Shadow copies dropped because the shadow queue was full.");
        _feedback = _meter.CreateCounter<long>("functionsml.feedback", "{row}", "Feedback rows joined to logged predictions.");
        _meter.CreateObservableGauge("functionsml.drift.psi", () => _observeDrift?.Invoke() ?? [], "1", "Overall population stability index of each version's recent inputs against its training data.");
    }

    public Meter Meter => _meter;

    internal void Prediction(string model, string version, bool success, int rows, double milliseconds)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        var versionTag = new KeyValuePair<string, object?>("version", version);
        _predictions.Add(1, modelTag, versionTag, new KeyValuePair<string, object?>("outcome", success ? "success" : "error"));
        if (rows > 0)
        {
            _rows.Add(rows, modelTag, versionTag);
        }

        _duration.Record(milliseconds, modelTag, versionTag);
    }

    internal void Shadow(string model, string version, bool success) =>
        _shadowPredictions.Add(1, new("model", model), new("version", version), new("outcome", success ? "success" : "error"));

    internal void ShadowDropped(string model) => _shadowDropped.Add(1, new KeyValuePair<string, object?>("model", model));

    internal void Feedback(string model, string version, string outcome) =>
        _feedback.Add(1, new("model", model), new("version", version), new("outcome", outcome));

    /// <summary>Set by the monitor: what the drift gauge reports when it is collected.</summary>
    internal void ObserveDriftWith(Func<IEnumerable<Measurement<double>>> observe) => _observeDrift = observe;

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
