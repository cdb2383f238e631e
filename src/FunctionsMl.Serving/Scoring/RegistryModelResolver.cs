using System.Collections.Concurrent;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// Resolves models straight from the registry for the scorers when the host registers no <see cref="IModelResolver"/>
/// (the predictor cache registers one; until it does, the scorers still work). Keeps the last version loaded per model
/// so that consecutive files and messages do not reload it; an alias change is seen on the next call.
/// </summary>
internal sealed class RegistryModelResolver(ModelRegistry registry) : IModelResolver
{
    private readonly ConcurrentDictionary<string, ServedModel> _loaded = new(StringComparer.Ordinal);

    public async ValueTask<ServedModel> ResolveAsync(string name, string? aliasOrVersion = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(name, nameof(name));
        var version = aliasOrVersion;
        if (!RegistryNames.TryParseVersion(aliasOrVersion, out _))
        {
            var alias = aliasOrVersion ?? IModelResolver.ProductionAlias;
            RegistryNames.ValidateAlias(alias, nameof(aliasOrVersion));
            var aliases = await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false);
            version = aliases.VersionOf(alias);
            if (version is null)
            {
                var exists = await registry.Store.ListAsync($"{RegistryPaths.Model(name)}", cancellationToken).AnyAsync(cancellationToken).ConfigureAwait(false);
                throw exists
                    ? new ModelNotReadyException($"Model '{name}' has no {alias} version yet: train it, or promote a version to {alias}.")
                    : new ModelNotFoundException(name);
            }
        }

        if (_loaded.TryGetValue(name, out var cached) && cached.Version == version)
        {
            return cached;
        }

        var file = await registry.ReadModelFileAsync(name, version!, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException(name, version);
        TrainedModel model;
        try
        {
            model = TrainedModel.Load(file);
        }
        catch (ModelFormatException ex)
        {
            throw new ModelNotReadyException($"Model '{name}' version {version} cannot be loaded: {ex.Message}", ex);
        }

        var served = new ServedModel(name, version!, model);
        _loaded[name] = served;
        return served;
    }
}
