using System.Text;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Definitions;

/// <summary>
/// Reads the model definitions in force from the store. Both hosts read definitions only from here, so a
/// definition behaves the same whether the local publisher or an Azure deployment hook put it there.
/// </summary>
public sealed class DefinitionStore
{
    private readonly IObjectStore _store;
    private readonly ILogger _logger;

    public DefinitionStore(IObjectStore store, ILogger<DefinitionStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The definition of <paramref name="model"/>, or <see langword="null"/> when the store has none.</summary>
    /// <exception cref="ArgumentException">The model name is not valid.</exception>
    /// <exception cref="ModelDefinitionException">The stored definition is invalid, or names another model; the message names the object.</exception>
    public async Task<StoredDefinition?> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        string path = DefinitionPaths.Definition(model);
        StoredObject? stored = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : Parse(model, path, stored);
    }

    /// <summary>The names of every model with a definition in the store, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (StoredObjectInfo info in _store.ListAsync(DefinitionPaths.ModelsPrefix, cancellationToken).ConfigureAwait(false))
        {
            string[] parts = info.Path.Split('/');
            if (parts.Length == 3 && parts[2] == DefinitionPaths.DefinitionFileName && ModelDefinition.IsValidName(parts[1]))
            {
                names.Add(parts[1]);
            }
        }

        return names;
    }

    /// <summary>
    /// Every valid definition in the store, in ordinal order of name. An invalid one is logged and left out,
    /// so that one broken model does not stop the others from being scheduled or served.
    /// </summary>
    public async Task<IReadOnlyList<StoredDefinition>> ListAsync(CancellationToken cancellationToken = default)
    {
        var definitions = new List<StoredDefinition>();
        foreach (string name in await ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await GetAsync(name, cancellationToken).ConfigureAwait(false) is { } definition)
                {
                    definitions.Add(definition);
                }
            }
            catch (ModelDefinitionException e)
            {
                DefinitionsLog.InvalidDefinition(_logger, name, e.Message);
            }
        }

        return definitions;
    }

    internal static StoredDefinition Parse(string model, string path, StoredObject stored)
    {
        string json = Encoding.UTF8.GetString(stored.Content.Span);
        ModelDefinition definition;
        try
        {
            definition = ModelDefinition.Parse(json);
        }
        catch (ModelDefinitionException e)
        {
            throw new ModelDefinitionException(e.Field, $"{e.Reason} (in {path})");
        }

        if (definition.Name != model)
        {
            throw new ModelDefinitionException("name", $"'{definition.Name}' differs from the model '{model}' it is stored for (in {path})");
        }

        return new StoredDefinition(definition, path, stored.ETag, json);
    }
}
