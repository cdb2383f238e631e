namespace FunctionsMl.Serving.Caching;

/// <summary>
/// Turns a model file into a loaded, immutable model. The engine's loader plugs in here, e.g.
/// <c>new DelegateModelLoader&lt;LoadedFile&gt;((_, _, bytes) =&gt; ModelFile.Load(bytes.Span))</c>.
/// </summary>
/// <typeparam name="TModel">The loaded model; must be immutable and safe to use from many threads, as requests share it.</typeparam>
public interface IModelLoader<out TModel>
    where TModel : class
{
    /// <summary>Parses and verifies a model file.</summary>
    /// <exception cref="Exception">Any exception (e.g. the engine's ModelFormatException) marks the version unusable; the cache keeps serving what it had.</exception>
    TModel Load(string model, string version, ReadOnlyMemory<byte> modelFile);
}

/// <summary>An <see cref="IModelLoader{TModel}"/> from a function.</summary>
public sealed class DelegateModelLoader<TModel>(Func<string, string, ReadOnlyMemory<byte>, TModel> load) : IModelLoader<TModel>
    where TModel : class
{
    private readonly Func<string, string, ReadOnlyMemory<byte>, TModel> _load = load ?? throw new ArgumentNullException(nameof(load));

    public TModel Load(string model, string version, ReadOnlyMemory<byte> modelFile) => _load(model, version, modelFile);
}
