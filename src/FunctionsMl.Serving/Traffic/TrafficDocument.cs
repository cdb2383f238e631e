using System.Globalization;
using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Traffic;

/// <summary>
/// Where traffic policies are kept, beside the model's aliases:
/// <code>
/// models/&lt;name&gt;/traffic.json                          the policy, its revision and its recent audit history
/// models/&lt;name&gt;/traffic-audit/&lt;first&gt;-&lt;last&gt;.json   older audit entries, in fixed segments
/// </code>
/// </summary>
public static class TrafficPaths
{
    public static string Policy(string model) => $"models/{model}/traffic.json";

    public static string AuditFolder(string model) => $"models/{model}/traffic-audit/";

    public static string AuditSegment(string model, long first, long last) =>
        string.Create(CultureInfo.InvariantCulture, $"models/{model}/traffic-audit/{first:d12}-{last:d12}.json");
}

/// <summary>
/// <c>models/&lt;name&gt;/traffic.json</c>: the policy and its audit history in one document under one ETag,
/// so that a change and its audit entry are one atomic write. Never deleted: removing the policy writes a
/// revision without one, so revisions only grow.
/// </summary>
internal sealed class TrafficDocument
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;

    public long Revision { get; set; }

    public TrafficPolicy? Policy { get; set; }

    public DateTimeOffset? ChangedAt { get; set; }

    public string? ChangedBy { get; set; }

    public string? Reason { get; set; }

    public long NextSequence { get; set; } = 1;

    /// <summary>Every entry up to this sequence is in an archive segment, not in <see cref="History"/>.</summary>
    public long ArchivedThrough { get; set; }

    public List<TrafficAuditEntry> History { get; set; } = [];
}

/// <summary><c>models/&lt;name&gt;/traffic-audit/&lt;first&gt;-&lt;last&gt;.json</c>.</summary>
internal sealed class TrafficAuditSegment
{
    public List<TrafficAuditEntry> Entries { get; set; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TrafficDocument))]
[JsonSerializable(typeof(TrafficAuditSegment))]
internal sealed partial class TrafficJsonContext : JsonSerializerContext;
