namespace FunctionsMl.Serving.Caching;

/// <summary>The model that serves a request, and which version it is.</summary>
/// <param name="Name">The model name.</param>
/// <param name="Version">The version <paramref name="Model"/> was loaded from.</param>
/// <param name="Model">The loaded model; immutable, so a request may keep using it after a swap.</param>
/// <param name="Alias">The alias that resolved to this version, or <see langword="null"/> when a version was asked for directly.</param>
/// <param name="Sha256">The model file's hash, as registered and verified on load.</param>
public sealed record LoadedModel<TModel>(string Name, string Version, TModel Model, string? Alias, string Sha256)
    where TModel : class;
