using System.Globalization;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Retraining;

/// <summary>What a run does with its candidate.</summary>
public enum GateVerdict
{
    /// <summary>Register the candidate and point <c>production</c> at it.</summary>
    Promote,

    /// <summary>Leave <c>production</c> where it is.</summary>
    Keep,
}

/// <summary>The gate's verdict and why, in words for the run record.</summary>
public sealed record GateDecision(GateVerdict Verdict, string Reason)
{
    public bool Promote => Verdict == GateVerdict.Promote;
}

/// <summary>A definition's validation rule, as the gate applies it.</summary>
/// <param name="Metric">The metric compared (<see cref="MetricNames"/>).</param>
/// <param name="LowerIsBetter">Whether smaller values of <paramref name="Metric"/> are better (rmse, mae, logLoss).</param>
/// <param name="Minimum">The worst acceptable value: a floor, or a ceiling when lower is better; null for none.</param>
/// <param name="MinImprovement">How much better than the champion the candidate must be; 0 or more.</param>
public sealed record GateRule(string Metric, bool LowerIsBetter, double? Minimum, double MinImprovement)
{
    public static GateRule From(ValidationRule validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        return new GateRule(validation.Metric, MetricNames.IsLowerBetter(validation.Metric), validation.Minimum, validation.MinImprovement);
    }

    /// <summary>The rule in words, e.g. "accuracy ≥ 0.85, better than the champion by more than 0".</summary>
    public override string ToString()
    {
        string minimum = Minimum is { } m ? $"{Metric} {(LowerIsBetter ? "≤" : "≥")} {RetrainingGate.Format(m)}" : $"no {(LowerIsBetter ? "ceiling" : "minimum")} on {Metric}";
        string improvement = MinImprovement > 0
            ? $"beat the champion by at least {RetrainingGate.Format(MinImprovement)}"
            : "beat the champion";
        return $"{minimum}; {improvement} ({(LowerIsBetter ? "lower" : "higher")} is better)";
    }
}

/// <summary>
/// Decides whether a candidate replaces the champion: a pure function of the two models' holdout metrics
/// and the definition's validation rule, so the orchestration can call it directly and replay it.
/// </summary>
public static class RetrainingGate
{
    /// <summary>Differences smaller than this share of the compared values count as no difference (floating-point noise).</summary>
    public const double RelativeTolerance = 1e-9;

    /// <summary>
    /// Promote when the candidate meets the minimum and, if there is a champion, beats it by <c>minImprovement</c>.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Minimum: the candidate's value must be at least <see cref="GateRule.Minimum"/>, or at most when lower
    /// is better; a candidate without a value for the metric (NaN, or an AUC that could not be computed) is kept out.</item>
    /// <item>No champion (the first version): promote when the minimum is met.</item>
    /// <item>A champion: promote only when the candidate is <em>strictly</em> better and the improvement is at
    /// least <see cref="GateRule.MinImprovement"/> (improvement = candidate − champion, or champion − candidate
    /// when lower is better). With <c>minImprovement</c> 0 a candidate that only ties the champion is kept out,
    /// so retraining on unchanged data does not churn versions; with <c>minImprovement</c> 0.01 an improvement of
    /// exactly 0.01 passes. Differences within <see cref="RelativeTolerance"/> count as ties.</item>
    /// <item>A champion that could not be scored on the holdout (its metrics null or without the metric, e.g.
    /// after the definition's features changed): the candidate is judged on the minimum alone.</item>
    /// </list>
    /// </remarks>
    /// <param name="candidate">The candidate's holdout metrics.</param>
    /// <param name="championVersion">The version <c>production</c> pointed to when the champion was evaluated; null for none.</param>
    /// <param name="champion">The champion's metrics on the same holdout; null when it has none or could not be scored.</param>
    public static GateDecision Decide(GateRule rule, IReadOnlyDictionary<string, double> candidate, string? championVersion, IReadOnlyDictionary<string, double>? champion)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(candidate);
        string metric = rule.Metric;
        if (!candidate.TryGetValue(metric, out double value) || !double.IsFinite(value))
        {
            return Keep($"the candidate has no {metric} on the holdout, so it cannot be judged");
        }

        string minimumPart;
        if (rule.Minimum is { } minimum)
        {
            bool meets = rule.LowerIsBetter ? value <= minimum : value >= minimum;
            if (!meets)
            {
                return Keep(rule.LowerIsBetter
                    ? $"candidate {metric} {Format(value)} is above the ceiling {Format(minimum)}"
                    : $"candidate {metric} {Format(value)} is below the minimum {Format(minimum)}");
            }

            minimumPart = $"candidate {metric} {Format(value)} meets the {(rule.LowerIsBetter ? "ceiling" : "minimum")} {Format(minimum)}";
        }
        else
        {
            minimumPart = $"candidate {metric} {Format(value)} (no {(rule.LowerIsBetter ? "ceiling" : "minimum")} set)";
        }

        if (championVersion is null)
        {
            return Promote($"first version: {minimumPart}");
        }

        if (champion is null || !champion.TryGetValue(metric, out double incumbent) || !double.IsFinite(incumbent))
        {
            return Promote($"{minimumPart}; champion version {championVersion} has no {metric} on this holdout, so the minimum alone decides");
        }

        double improvement = rule.LowerIsBetter ? incumbent - value : value - incumbent;
        double tolerance = RelativeTolerance * Math.Max(1, Math.Max(Math.Abs(value), Math.Abs(incumbent)));
        string comparison = $"candidate {metric} {Format(value)} vs champion version {championVersion} {Format(incumbent)}";
        if (improvement <= tolerance)
        {
            return Keep(Math.Abs(improvement) <= tolerance
                ? $"{comparison}: a tie, and the candidate must be strictly better"
                : $"{comparison}: the candidate is worse");
        }

        if (improvement < rule.MinImprovement - tolerance)
        {
            return Keep($"{comparison}: better by {Format(improvement)}, less than the required {Format(rule.MinImprovement)}");
        }

        return Promote(rule.MinImprovement > 0
            ? $"{comparison}: better by {Format(improvement)} (required {Format(rule.MinImprovement)}); {minimumPart}"
            : $"{comparison}: better by {Format(improvement)}; {minimumPart}");
    }

    internal static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static GateDecision Promote(string reason) => new(GateVerdict.Promote, reason);

    private static GateDecision Keep(string reason) => new(GateVerdict.Keep, reason);
}
