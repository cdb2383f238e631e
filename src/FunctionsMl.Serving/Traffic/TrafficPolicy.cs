namespace FunctionsMl.Serving.Traffic;

/// <summary>
/// How a model's unpinned prediction traffic is served: a weighted split across targets, optional shadow
/// targets that receive copies off the request path, and an optional row field that makes routing sticky.
/// A model without a policy is served by its <c>production</c> alias alone.
/// </summary>
/// <param name="Split">
/// Where requests go, in order; the weights are whole percentages summing to 100. Bucket b (0–99) of a
/// request goes to the first route whose running total of weights exceeds b, so ramping the last route from
/// 10 to 20 moves only the keys in buckets 80–89 and leaves every other key where it was.
/// </param>
/// <param name="Shadows">Targets that score a copy of a share of the requests; their answers are never returned.</param>
/// <param name="RoutingField">
/// A field of the request row whose value is the routing key when the request has no <c>x-routing-key</c>
/// header (the first row of a batch); null: only the header makes routing sticky.
/// </param>
public sealed record TrafficPolicy(IReadOnlyList<TrafficRoute> Split, IReadOnlyList<ShadowRoute> Shadows, string? RoutingField = null)
{
    /// <summary>Whether two policies route identically (same routes, weights, shadows and field, in order).</summary>
    public bool SameAs(TrafficPolicy? other) =>
        other is not null
        && Split.SequenceEqual(other.Split)
        && Shadows.SequenceEqual(other.Shadows)
        && string.Equals(RoutingField, other.RoutingField, StringComparison.Ordinal);

    /// <summary>The policy in words, e.g. "production 90 / staging 10, shadow 3 at 10%, sticky on customer_id".</summary>
    public override string ToString()
    {
        var text = string.Join(" / ", Split.Select(r => $"{r.Target} {r.Weight}"));
        if (Shadows.Count > 0)
        {
            text += ", " + string.Join(", ", Shadows.Select(s => $"shadow {s.Target} at {s.Percent}%"));
        }

        return RoutingField is null ? text : $"{text}, sticky on {RoutingField}";
    }
}

/// <summary>One part of a split.</summary>
/// <param name="Target">An alias (<c>production</c>, <c>staging</c>), resolved at each request, or a version number, fixed.</param>
/// <param name="Weight">Percentage of requests, 1 to 100.</param>
public sealed record TrafficRoute(string Target, int Weight);

/// <summary>A target that scores copies of requests without answering them.</summary>
/// <param name="Target">An alias or a version number.</param>
/// <param name="Percent">Share of requests copied to it, 1 to 100.</param>
public sealed record ShadowRoute(string Target, int Percent);

/// <summary>Who changes a traffic policy and why; recorded in its audit history.</summary>
public sealed record TrafficChange(string By, string Reason);

/// <summary>A model's traffic policy as stored, with the ETag to pass back for compare-and-swap.</summary>
/// <param name="Policy">The policy; null when there is none (production serves everything).</param>
/// <param name="ETag">The document's ETag; null when no policy was ever set.</param>
/// <param name="Revision">Incremented by every change; 0 when none was ever made.</param>
public sealed record TrafficState(
    string Model,
    TrafficPolicy? Policy,
    string? ETag,
    long Revision,
    DateTimeOffset? ChangedAt,
    string? ChangedBy,
    string? Reason);

/// <summary>One change of a traffic policy, written in the same atomic write as the change.</summary>
/// <param name="Sequence">1, 2, 3, ... per model, in commit order.</param>
/// <param name="From">The policy before; null when there was none.</param>
/// <param name="To">The policy after; null when it was removed.</param>
public sealed record TrafficAuditEntry(long Sequence, DateTimeOffset At, string By, string Reason, TrafficPolicy? From, TrafficPolicy? To);

/// <summary>A traffic policy that breaks a rule; <see cref="Errors"/> names every field at fault.</summary>
public sealed class TrafficPolicyException(string message, IReadOnlyDictionary<string, string[]> errors) : Exception(message)
{
    public TrafficPolicyException(string field, string message)
        : this(message, new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    /// <summary>Field path (<c>split[1].weight</c>) → what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
