using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Registry;

/// <summary>One registered, complete model version.</summary>
/// <param name="Sha256">Lowercase hex SHA-256 of the model file; loaders check the bytes against it.</param>
/// <param name="Size">Model file length in bytes.</param>
/// <param name="Manifest">The engine's manifest, stored and returned as given.</param>
public sealed record ModelVersionInfo(
    string Model,
    string Version,
    string Sha256,
    long Size,
    DateTimeOffset RegisteredAt,
    string RegisteredBy,
    JsonElement Manifest)
{
    /// <summary>The version as a number, for ordering.</summary>
    public long Number => long.Parse(Version, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The outcome of <see cref="ModelRegistry.RegisterAsync"/>.</summary>
/// <param name="Created">False when byte-identical content was already registered and that version is returned.</param>
public sealed record ModelRegistration(ModelVersionInfo Version, bool Created);

/// <summary>A model's aliases as of one version of its alias document.</summary>
/// <param name="Aliases">Alias → version, ordered by alias.</param>
/// <param name="ETag">The document's ETag for compare-and-swap; <see langword="null"/> when no alias was ever set.</param>
public sealed record ModelAliases(string Model, IReadOnlyDictionary<string, string> Aliases, string? ETag)
{
    /// <summary>The version <paramref name="alias"/> points to, or <see langword="null"/>.</summary>
    public string? VersionOf(string alias) => Aliases.GetValueOrDefault(alias);
}

/// <summary>Who changes an alias and why; recorded in the audit history.</summary>
public sealed record AliasChange(string By, string Reason)
{
    internal void Validate(string paramName)
    {
        if (string.IsNullOrWhiteSpace(By))
        {
            throw new ArgumentException("An alias change must say who makes it (AliasChange.By).", paramName);
        }

        if (Reason is null)
        {
            throw new ArgumentException("An alias change must say why (AliasChange.Reason); an empty reason is allowed.", paramName);
        }
    }
}

/// <summary>What an audit entry records.</summary>
public enum AliasAction
{
    /// <summary>The alias was created or moved to another version.</summary>
    [JsonStringEnumMemberName("set")]
    Set,

    /// <summary>The alias was removed.</summary>
    [JsonStringEnumMemberName("remove")]
    Remove,

    /// <summary>The alias was moved back to the version it pointed to before its latest change.</summary>
    [JsonStringEnumMemberName("rollback")]
    Rollback,
}

/// <summary>One alias change, written in the same atomic write as the change itself.</summary>
/// <param name="Sequence">1, 2, 3, ... per model, in the order the changes were committed.</param>
/// <param name="FromVersion">The version before the change; <see langword="null"/> when the alias did not exist.</param>
/// <param name="ToVersion">The version after the change; <see langword="null"/> when it was removed.</param>
public sealed record AliasAuditEntry(
    long Sequence,
    DateTimeOffset At,
    AliasAction Action,
    string Alias,
    string? FromVersion,
    string? ToVersion,
    string By,
    string Reason);

/// <summary>What <see cref="ModelRegistry.ApplyRetentionAsync"/> did.</summary>
/// <param name="DeletedVersions">Complete versions deleted.</param>
/// <param name="RemovedIncompleteVersions">Leftovers of interrupted registrations removed.</param>
/// <param name="KeptVersions">Complete versions kept.</param>
public sealed record RetentionResult(
    IReadOnlyList<string> DeletedVersions,
    IReadOnlyList<string> RemovedIncompleteVersions,
    IReadOnlyList<string> KeptVersions);

/// <summary>Raised by <see cref="ModelRegistry"/> after it changed a model's aliases.</summary>
public sealed class ModelAliasesChangedEventArgs(ModelAliases aliases) : EventArgs
{
    public ModelAliases Aliases { get; } = aliases;

    public string Model => Aliases.Model;
}

/// <summary>A model, version or alias that does not exist (or is not complete and usable).</summary>
public sealed class ModelNotFoundException : Exception
{
    public ModelNotFoundException(string model, string? version = null, string? alias = null, string? message = null)
        : base(message ?? Describe(model, version, alias))
    {
        Model = model;
        Version = version;
        Alias = alias;
    }

    public string Model { get; }

    public string? Version { get; }

    public string? Alias { get; }

    private static string Describe(string model, string? version, string? alias) =>
        (version, alias) switch
        {
            (not null, _) => $"Model '{model}' has no registered version '{version}'.",
            (null, not null) => $"Model '{model}' has no alias '{alias}'.",
            _ => $"There is no model '{model}'.",
        };
}
