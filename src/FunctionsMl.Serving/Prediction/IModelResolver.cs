using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Prediction;

/// <summary>A loaded model version and which version it is.</summary>
public sealed record ServedModel(string Name, string Version, TrainedModel Model);

/// <summary>Finds the model version that should answer a request.</summary>
public interface IModelResolver
{
    /// <summary>The alias requests are served from when they name none.</summary>
    public const string ProductionAlias = "production";

    /// <param name="name">Model name.</param>
    /// <param name="aliasOrVersion">A version number, an alias, or null for <see cref="ProductionAlias"/>.</param>
    /// <exception cref="Registry.ModelNotFoundException">No such model, version or alias.</exception>
    /// <exception cref="ModelNotReadyException">The model has no version to serve yet, or it cannot be loaded.</exception>
    /// <exception cref="ArgumentException">The name, version or alias is not well formed.</exception>
    ValueTask<ServedModel> ResolveAsync(string name, string? aliasOrVersion = null, CancellationToken cancellationToken = default);
}
