using System.Globalization;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>What <see cref="OnlineMetricsRule.Adjust"/> decided.</summary>
/// <param name="ChampionMetrics">The champion's metrics for the gate to compare against: the holdout ones, possibly with the rule's metric replaced.</param>
/// <param name="Applied">Whether the online value replaced the holdout value.</param>
/// <param name="Reason">Why, in words, for the run record.</param>
public sealed record OnlineAdjustment(IReadOnlyDictionary<string, double>? ChampionMetrics, bool Applied, string Reason);

/// <summary>
/// How the retraining gate may use what the champion did on real traffic. A holdout is a snapshot of the past:
/// once the world drifts, the champion's holdout score overstates it, and a candidate trained on newer data
/// (feedback included) is held to a bar the champion no longer meets. So, when the champion has at least
/// <see cref="DefaultMinFeedbackRows"/> feedback rows and its online value of the gate's metric is worse than its
/// holdout value, the gate compares the candidate with the online value instead.
/// </summary>
/// <remarks>
/// <para>
/// Only ever lowers the bar: an online value better than the holdout one is ignored, so a lucky streak of
/// feedback cannot keep a better candidate out. The candidate itself is still judged on the holdout, and the
/// definition's minimum still applies to it unchanged. Metrics computed online: accuracy and log loss
/// (classifiers), MAE and RMSE (regressors); for auc, macroF1 and r2 the rule does nothing.
/// </para>
/// <para>
/// Pure: a function of its arguments, so the orchestration can replay it. The online metrics come from
/// <see cref="OnlineMetricsReader.ReadAsync"/>, read in an activity.
/// </para>
/// </remarks>
public static class OnlineMetricsRule
{
    /// <summary>
    /// Feedback rows below which online metrics are ignored: with 200 rows the standard error of an accuracy
    /// near 0.9 is about 0.02, small next to the drops the rule is for.
    /// </summary>
    public const int DefaultMinFeedbackRows = 200;

    /// <param name="metric">The gate's metric (<see cref="MetricNames"/>).</param>
    /// <param name="championHoldout">The champion's metrics on the run's holdout; null when it could not be scored.</param>
    /// <param name="championOnline">The champion version's online metrics; null when there are none.</param>
    /// <param name="minFeedbackRows">Feedback rows needed before online metrics count.</param>
    public static OnlineAdjustment Adjust(
        string metric,
        IReadOnlyDictionary<string, double>? championHoldout,
        OnlineMetrics? championOnline,
        int minFeedbackRows = DefaultMinFeedbackRows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFeedbackRows, 1);
        if (championOnline is null || championOnline.Count == 0)
        {
            return new OnlineAdjustment(championHoldout, false, "no feedback for the champion: the holdout decides");
        }

        if (championOnline.Count < minFeedbackRows)
        {
            return new OnlineAdjustment(championHoldout, false, $"the champion has {championOnline.Count} feedback rows, fewer than the {minFeedbackRows} needed: the holdout decides");
        }

        if (championOnline.Get(metric) is not { } online || !double.IsFinite(online))
        {
            return new OnlineAdjustment(championHoldout, false, $"{metric} is not measured online: the holdout decides");
        }

        if (championHoldout is null || !championHoldout.TryGetValue(metric, out var holdout) || !double.IsFinite(holdout))
        {
            return new OnlineAdjustment(championHoldout, false, $"the champion has no holdout {metric} to adjust: the holdout rule decides");
        }

        var lowerIsBetter = MetricNames.IsLowerBetter(metric);
        var worseOnline = lowerIsBetter ? online > holdout : online < holdout;
        if (!worseOnline)
        {
            return new OnlineAdjustment(championHoldout, false, $"champion {metric} online {Format(online)} over {championOnline.Count} rows is no worse than on the holdout ({Format(holdout)}): the holdout decides");
        }

        var adjusted = new Dictionary<string, double>(championHoldout, StringComparer.Ordinal) { [metric] = online };
        return new OnlineAdjustment(adjusted, true, $"champion {metric} online {Format(online)} over {championOnline.Count} feedback rows is worse than on the holdout ({Format(holdout)}): the candidate is compared with the online value");
    }

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
