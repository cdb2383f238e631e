using System.Globalization;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// Where monitoring writes. The store has no append, so every flush writes new small JSON-lines files with
/// create-only writes, named by time, writing instance and a sequence number so no two writers collide:
/// <code>
/// logs/&lt;name&gt;/predictions/&lt;yyyy-MM-dd&gt;/&lt;HHmmssfff&gt;-&lt;instance&gt;-&lt;seq&gt;.jsonl   logged predictions (request id, version, rows, outputs)
/// logs/&lt;name&gt;/feedback/&lt;yyyy-MM-dd&gt;/&lt;HHmmssfff&gt;-&lt;instance&gt;-&lt;seq&gt;.jsonl      feedback joined to them (version, predicted, label)
/// training/&lt;name&gt;/feedback-&lt;yyyy-MM-dd&gt;-&lt;HHmmssfff&gt;-&lt;instance&gt;-&lt;seq&gt;.jsonl      labelled rows (the model's inputs + its label) for retraining
/// </code>
/// </summary>
public static class MonitoringPaths
{
    public static string PredictionLog(string model) => $"logs/{model}/predictions/";

    public static string PredictionLogDay(string model, DateTimeOffset day) => $"logs/{model}/predictions/{Day(day)}/";

    public static string FeedbackLog(string model) => $"logs/{model}/feedback/";

    /// <summary>The training folder's prefix of feedback files.</summary>
    public static string TrainingFeedback(string model) => $"training/{model}/feedback-";

    internal static string PredictionChunk(string model, DateTimeOffset at, string instance, long sequence) =>
        $"{PredictionLogDay(model, at)}{Stamp(at, instance, sequence)}.jsonl";

    internal static string FeedbackChunk(string model, DateTimeOffset at, string instance, long sequence) =>
        $"logs/{model}/feedback/{Day(at)}/{Stamp(at, instance, sequence)}.jsonl";

    internal static string TrainingChunk(string model, DateTimeOffset at, string instance, long sequence) =>
        $"training/{model}/feedback-{Day(at)}-{Stamp(at, instance, sequence)}.jsonl";

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset at, string instance, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:HHmmssfff}-{instance}-{sequence:d6}");
}
