using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Registry;

/// <summary>
/// <c>models/&lt;name&gt;/aliases.json</c>: everything about a model that changes, in one document guarded
/// by one ETag, so that an alias change, its audit entry and the retention marks are one atomic write.
/// </summary>
internal sealed class AliasDocument
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;

    /// <summary>Alias → version.</summary>
    public Dictionary<string, string> Aliases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Alias → the version it pointed to before its latest change (null: it did not exist), which is what
    /// a rollback restores and what retention therefore keeps. Outlives the alias's removal.
    /// </summary>
    public Dictionary<string, string?> Previous { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Versions retention has claimed for deletion: no alias may be pointed at them.</summary>
    public List<string> Retiring { get; set; } = [];

    public long NextSequence { get; set; } = 1;

    /// <summary>Every entry with a sequence up to this one is in an archive segment, not in <see cref="History"/>.</summary>
    public long ArchivedThrough { get; set; }

    public List<AliasAuditEntry> History { get; set; } = [];

    public AliasDocument Normalize()
    {
        // Stable output: aliases in ordinal order, whatever order changes came in.
        Aliases = Aliases.OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        Previous = Previous.OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        Retiring = [.. Retiring.Distinct().OrderBy(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
        return this;
    }
}

/// <summary><c>models/&lt;name&gt;/versions/&lt;v&gt;/version.json</c>: the registry's own record, written last.</summary>
internal sealed class VersionDocument
{
    public int Format { get; set; } = 1;

    public required string Model { get; set; }

    public required string Version { get; set; }

    public required string Sha256 { get; set; }

    public long Size { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public required string RegisteredBy { get; set; }
}

/// <summary><c>models/&lt;name&gt;/audit/&lt;first&gt;-&lt;last&gt;.json</c>: audit entries moved out of the alias document.</summary>
internal sealed class AuditSegment
{
    public List<AliasAuditEntry> Entries { get; set; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AliasDocument))]
[JsonSerializable(typeof(VersionDocument))]
[JsonSerializable(typeof(AuditSegment))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
