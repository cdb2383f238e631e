using FunctionsMl.Serving.Traffic;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>What <c>GET /api/models/{name}/stats</c> answers: one model's recent serving, per version, as this instance saw it.</summary>
/// <param name="From">Start of the window (the oldest bucket's start).</param>
/// <param name="To">When the stats were read.</param>
/// <param name="Traffic">The policy in force; null when production serves everything.</param>
/// <param name="ShadowDropped">Shadow copies dropped because the queue was full, since start.</param>
/// <param name="PredictionsNotLogged">Predictions not logged for feedback (sampled out, too large or the log queue full), since start.</param>
public sealed record ModelStats(
    string Model,
    DateTimeOffset From,
    DateTimeOffset To,
    int BucketSeconds,
    TrafficPolicy? Traffic,
    long ShadowDropped,
    long PredictionsNotLogged,
    IReadOnlyList<VersionStats> Versions);

/// <summary>One version's window.</summary>
/// <param name="Requests">Requests it answered or failed (pinned and routed alike).</param>
/// <param name="Errors">Of those, the ones that failed after the version was chosen (bad rows included).</param>
/// <param name="Drift">Null when the manifest records no training distribution.</param>
/// <param name="Shadow">Null when it received no shadow copies in the window.</param>
/// <param name="Online">Null when it has no feedback since start.</param>
public sealed record VersionStats(
    string Version,
    long Requests,
    long Errors,
    long Rows,
    LatencyStats Latency,
    PredictionStats Predictions,
    DriftStats? Drift,
    ShadowStats? Shadow,
    OnlineStats? Online);

/// <summary>Latency percentiles in milliseconds (within 5% by the histogram's buckets; max is exact); null when there were no requests.</summary>
public sealed record LatencyStats(double? P50Ms, double? P95Ms, double? P99Ms, double? MeanMs, double? MaxMs);

/// <summary>What was predicted: each class's share of the predicted labels, or quantiles of the predicted values.</summary>
public sealed record PredictionStats(IReadOnlyDictionary<string, double>? ClassShares, IReadOnlyDictionary<string, double>? ValueQuantiles);

/// <summary>The window's inputs against the version's training distribution.</summary>
/// <param name="Rows">Rows binned (after sampling).</param>
/// <param name="Psi">Mean of the features' PSI.</param>
/// <param name="EnoughRows">Whether <paramref name="Rows"/> reached the minimum for judging; below it nothing is flagged.</param>
/// <param name="Drifted">Whether any feature's PSI reached <paramref name="Threshold"/> (with enough rows).</param>
public sealed record DriftStats(long Rows, double Threshold, double Psi, bool EnoughRows, bool Drifted, IReadOnlyList<FeatureDriftStats> Features);

/// <param name="Bins">Each bin's training (expected) and serving (actual) share.</param>
public sealed record FeatureDriftStats(string Name, string Kind, double Psi, bool Drifted, IReadOnlyList<BinShare> Bins);

public sealed record BinShare(string Bin, double Expected, double Actual);

/// <summary>Shadow copies this version scored in the window, and how its answers compare with the served ones.</summary>
/// <param name="Agreement">Classifiers: share of rows whose label matched the served label.</param>
/// <param name="MeanAbsoluteDifference">Regressors: mean |shadow − served| over the rows.</param>
public sealed record ShadowStats(long Requests, long Errors, long Rows, LatencyStats Latency, double? Agreement, double? MeanAbsoluteDifference);

/// <summary>Feedback joined to this version's logged predictions since the process started.</summary>
public sealed record OnlineStats(long Count, double? Accuracy, double? LogLoss, double? Mae, double? Rmse);
