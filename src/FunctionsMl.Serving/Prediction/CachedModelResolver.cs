using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Caching;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Prediction;

/// <summary>Resolves requests through the predictor cache, so a hit costs no storage call and promotions swap atomically.</summary>
public sealed class CachedModelResolver(PredictorCache<TrainedModel> cache, IObjectStore store) : IModelResolver
{
    public async ValueTask<ServedModel> ResolveAsync(string name, string? aliasOrVersion = null, CancellationToken cancellationToken = default)
    {
        var alias = aliasOrVersion ?? IModelResolver.ProductionAlias;
        try
        {
            var loaded = await cache.GetAsync(name, alias, cancellationToken).ConfigureAwait(false);
            return new ServedModel(loaded.Name, loaded.Version, loaded.Model);
        }
        catch (ModelNotFoundException ex) when (aliasOrVersion is null)
        {
            // A defined model whose first version is not trained yet is "not ready", not "unknown".
            if (await IsDefinedAsync(name, cancellationToken).ConfigureAwait(false))
            {
                throw new ModelNotReadyException($"Model '{name}' has no {alias} version yet; its first training may still be running.", ex);
            }

            throw;
        }
        catch (ModelLoadException ex)
        {
            throw new ModelNotReadyException($"Model '{name}' version {ex.Version} cannot be loaded ({ex.Message}); retrying after {ex.RetryAfter:O}.", ex);
        }
    }

    private async Task<bool> IsDefinedAsync(string name, CancellationToken cancellationToken) =>
        await store.GetETagAsync(DefinitionPaths.Definition(name), cancellationToken).ConfigureAwait(false) is not null;
}
