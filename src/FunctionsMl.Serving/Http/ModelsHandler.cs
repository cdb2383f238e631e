using System.Text.Json;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.AspNetCore.Http;

namespace FunctionsMl.Serving.Http;

/// <summary>Listing models and moving their aliases (promote, roll back): the management half of the native API.</summary>
public sealed class ModelsHandler(ModelRegistry registry)
{
    /// <summary><c>GET /api/models</c>: every model with its aliases and newest version.</summary>
    public async Task<IResult> ListAsync(CancellationToken cancellationToken)
    {
        var models = new List<ModelSummary>();
        foreach (var name in await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false))
        {
            var aliases = await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false);
            var versions = await registry.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            var newest = versions.MaxBy(v => v.Number);
            models.Add(new ModelSummary(name, newest is null ? null : ManifestOf(newest).Task, aliases.Aliases, newest?.Version, versions.Count));
        }

        return Results.Ok(new ModelList(models));
    }

    /// <summary><c>GET /api/models/{name}</c>: versions with metrics, aliases, and the input schema with an example row.</summary>
    public async Task<IResult> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var versions = await registry.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            var aliases = await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false);
            if (versions.Count == 0 && aliases.Aliases.Count == 0)
            {
                return ApiProblems.NotFound($"There is no model '{name}'.");
            }

            // The schema shown is the one requests are served with: production's, else the newest version's.
            var current = versions.FirstOrDefault(v => v.Version == aliases.VersionOf("production")) ?? versions.MaxBy(v => v.Number);
            var manifest = current is null ? null : ManifestOf(current);
            return Results.Ok(new ModelDetails(
                name,
                manifest?.Task,
                manifest?.Label,
                manifest?.ClassLabels,
                aliases.Aliases,
                manifest?.Inputs,
                manifest?.ExampleRow,
                [.. versions.OrderByDescending(v => v.Number).Select(v => ToVersion(v, ManifestOf(v)))]));
        }
        catch (ArgumentException ex)
        {
            return ApiProblems.BadRequest("name", ex.Message);
        }
    }

    /// <summary><c>PUT /api/models/{name}/aliases/{alias}</c> with <c>{"version": "3", "reason": "..."}</c>: promote or roll back.</summary>
    /// <remarks>An <c>If-Match</c> header makes it a compare-and-swap against the aliases' ETag (409 when they moved).</remarks>
    public async Task<IResult> SetAliasAsync(HttpRequest request, string name, string alias, CancellationToken cancellationToken)
    {
        try
        {
            RegistryNames.ValidateModel(name, "name");
            RegistryNames.ValidateAlias(alias, "alias");
            using var body = await RequestBody.ReadJsonAsync(request, 64 * 1024, cancellationToken).ConfigureAwait(false);
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var versionElement) || versionElement.ValueKind != JsonValueKind.String)
            {
                return ApiProblems.BadRequest("version", "The body must be {\"version\": \"<version>\"}, with an optional \"reason\".");
            }

            var version = versionElement.GetString()!;
            if (!RegistryNames.TryParseVersion(version, out _))
            {
                return ApiProblems.BadRequest("version", $"'{version}' is not a version: versions are positive whole numbers such as \"3\".");
            }

            var reason = root.TryGetProperty("reason", out var reasonElement) && reasonElement.ValueKind == JsonValueKind.String
                ? reasonElement.GetString()!
                : $"set through the API";
            var expectedETag = await ExpectedETagAsync(request, name, cancellationToken).ConfigureAwait(false);
            var aliases = await registry.SetAliasAsync(name, alias, version, new AliasChange("api", reason), expectedETag, cancellationToken).ConfigureAwait(false);
            request.HttpContext.Response.Headers.ETag = HeaderETag(aliases.ETag);
            return Results.Ok(new AliasList(name, aliases.Aliases));
        }
        catch (PreconditionFailedException)
        {
            return ApiProblems.Conflict($"The aliases of '{name}' changed since the ETag in If-Match; read them again and retry.");
        }
        catch (Exception ex) when (PredictionHandler.ToProblem(ex) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>
    /// The store ETag an <c>If-Match</c> header stands for. Stores differ in whether their ETags carry quotes,
    /// so the header is compared with the current ETag without quotes, and the store's own spelling goes to the
    /// compare-and-swap, which still guards against a change in between.
    /// </summary>
    /// <exception cref="PreconditionFailedException">The header does not name the current aliases.</exception>
    private async Task<string?> ExpectedETagAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        if (request.Headers.IfMatch.ToString() is not { Length: > 0 } ifMatch)
        {
            return null;
        }

        var current = (await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false)).ETag;
        return current is not null && current.Trim('"') == ifMatch.Trim().Trim('"')
            ? current
            : throw new PreconditionFailedException(RegistryPathOf(name), WriteCondition.IfMatch(ifMatch));
    }

    private static string RegistryPathOf(string name) => $"models/{name}/aliases.json";

    private static string? HeaderETag(string? eTag) => eTag is null ? null : $"\"{eTag.Trim('"')}\"";

    /// <summary><c>GET /api/models/{name}/audit</c>: every alias change, newest first.</summary>
    public async Task<IResult> AuditAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await registry.GetAuditAsync(name, cancellationToken).ConfigureAwait(false);
            return Results.Ok(entries.Reverse());
        }
        catch (Exception ex) when (PredictionHandler.ToProblem(ex) is { } problem)
        {
            return problem;
        }
    }

    private static ModelManifest ManifestOf(ModelVersionInfo version) =>
        version.Manifest.Deserialize<ModelManifest>(ModelManifest.JsonOptions)!;

    private static VersionSummary ToVersion(ModelVersionInfo info, ModelManifest manifest) =>
        new(info.Version, info.RegisteredAt, info.RegisteredBy, info.Sha256, manifest.SourceFormat, manifest.Trainer.Type, manifest.Metrics, manifest.TrainingData.Rows, manifest.CreatedAt);
}

public sealed record ModelList(IReadOnlyList<ModelSummary> Models);

public sealed record ModelSummary(string Name, Engine.ModelTask? Task, IReadOnlyDictionary<string, string> Aliases, string? LatestVersion, int VersionCount);

public sealed record ModelDetails(
    string Name,
    Engine.ModelTask? Task,
    string? Label,
    IReadOnlyList<string>? ClassLabels,
    IReadOnlyDictionary<string, string> Aliases,
    IReadOnlyList<InputField>? Inputs,
    IReadOnlyDictionary<string, object?>? ExampleRow,
    IReadOnlyList<VersionSummary> Versions);

public sealed record VersionSummary(
    string Version,
    DateTimeOffset RegisteredAt,
    string RegisteredBy,
    string Sha256,
    string SourceFormat,
    string Trainer,
    IReadOnlyDictionary<string, double> Metrics,
    int TrainingRows,
    DateTimeOffset CreatedAt);

public sealed record AliasList(string Name, IReadOnlyDictionary<string, string> Aliases);
