using System.Security.Cryptography;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Definitions;

/// <summary>What <see cref="DefinitionPublisher.PublishAsync"/> did.</summary>
/// <param name="DefinitionChanged">Whether <c>model.json</c> in the store was created or replaced.</param>
/// <param name="Uploaded">Data objects written because they were new or their content changed.</param>
/// <param name="Unchanged">Data objects whose stored content already matched.</param>
/// <param name="Removed">Data objects deleted because their file was removed locally since it was published.</param>
public sealed record DefinitionPublication(
    string Model,
    bool DefinitionChanged,
    IReadOnlyList<string> Uploaded,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Removed);

/// <summary>One model folder's outcome in <see cref="DefinitionPublisher.PublishAllAsync"/>: a publication or the error that stopped it.</summary>
public sealed record DefinitionPublishResult(string Directory, DefinitionPublication? Publication, Exception? Error);

/// <summary>
/// Copies a local model folder (<c>models/&lt;name&gt;/model.json</c> and its data) into the store, the way the
/// Azure deployment hook uploads it to blob storage, so that everything downstream reads only the store.
/// </summary>
/// <remarks>
/// <para>
/// The data files (every CSV or JSON-lines file directly in the definition's <c>data</c> folder, or the one
/// file it names) become <c>training/&lt;name&gt;/&lt;file name&gt;</c>. Only files whose content changed are
/// written: <c>models/&lt;name&gt;/published.json</c> remembers the SHA-256 and ETag of what was uploaded.
/// A file removed locally is deleted from the store only if the store still holds what was published;
/// files others put under <c>training/&lt;name&gt;/</c> (feedback, new labelled rows) are never touched.
/// </para>
/// <para>The data goes first and the definition last, so a run never sees a new definition before its data.</para>
/// </remarks>
public sealed class DefinitionPublisher
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly IObjectStore _store;
    private readonly ILogger _logger;

    public DefinitionPublisher(IObjectStore store, ILogger<DefinitionPublisher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Publishes one model folder.</summary>
    /// <param name="modelDirectory">A folder holding <c>model.json</c>.</param>
    /// <exception cref="FileNotFoundException">The folder has no <c>model.json</c>, or the data it names does not exist.</exception>
    /// <exception cref="ModelDefinitionException">The definition is invalid (including its schedule), or a data file's name cannot be stored.</exception>
    /// <exception cref="DataFormatException">The data folder holds no data file.</exception>
    public async Task<DefinitionPublication> PublishAsync(string modelDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        string directory = Path.GetFullPath(modelDirectory);
        string definitionFile = Path.Combine(directory, DefinitionPaths.DefinitionFileName);
        if (!File.Exists(definitionFile))
        {
            throw new FileNotFoundException($"There is no {DefinitionPaths.DefinitionFileName} in '{directory}'; a model folder holds its definition and data.", definitionFile);
        }

        byte[] definitionBytes = await File.ReadAllBytesAsync(definitionFile, cancellationToken).ConfigureAwait(false);
        ModelDefinition definition = await ModelDefinition.LoadAsync(definitionFile, cancellationToken).ConfigureAwait(false);
        try
        {
            _ = ModelSchedule.For(definition);
        }
        catch (ModelDefinitionException e)
        {
            throw new ModelDefinitionException(e.Field, $"{e.Reason} (in {definitionFile})");
        }

        string model = definition.Name;
        IReadOnlyList<(string File, string ObjectPath)> files = LocalDataFiles(directory, definition, definitionFile);

        (PublicationDocument published, string? publishedETag) = await ReadPublicationAsync(model, cancellationToken).ConfigureAwait(false);
        var next = new PublicationDocument();
        var uploaded = new List<string>();
        var unchanged = new List<string>();
        foreach ((string file, string objectPath) in files)
        {
            string sha256 = await HashFileAsync(file, cancellationToken).ConfigureAwait(false);
            string? storedETag = await _store.GetETagAsync(objectPath, cancellationToken).ConfigureAwait(false);
            if (storedETag is not null && await MatchesAsync(published, objectPath, storedETag, sha256, cancellationToken).ConfigureAwait(false))
            {
                next.Files[objectPath] = new PublishedFile(sha256, storedETag);
                unchanged.Add(objectPath);
                continue;
            }

            FileStream content = File.OpenRead(file);
            await using (content.ConfigureAwait(false))
            {
                string eTag = await _store.WriteAsync(objectPath, content, WriteCondition.None, cancellationToken).ConfigureAwait(false);
                next.Files[objectPath] = new PublishedFile(sha256, eTag);
            }

            uploaded.Add(objectPath);
        }

        var removed = new List<string>();
        foreach ((string objectPath, PublishedFile before) in published.Files)
        {
            if (next.Files.ContainsKey(objectPath))
            {
                continue;
            }

            try
            {
                if (await _store.DeleteAsync(objectPath, WriteCondition.IfMatch(before.ETag), cancellationToken).ConfigureAwait(false))
                {
                    removed.Add(objectPath);
                }
            }
            catch (PreconditionFailedException)
            {
                // Absent already, or rewritten by someone else since: either way it is no longer what this folder published.
                if (await _store.GetETagAsync(objectPath, cancellationToken).ConfigureAwait(false) is not null)
                {
                    DefinitionsLog.RemovedFileChangedInStore(_logger, model, objectPath);
                }
            }
        }

        bool definitionChanged = await WriteDefinitionIfChangedAsync(model, definitionBytes, cancellationToken).ConfigureAwait(false);
        byte[] record = JsonSerializer.SerializeToUtf8Bytes(next, JsonOptions);
        if (publishedETag is null || !record.AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(published, JsonOptions)))
        {
            await _store.WriteAsync(
                DefinitionPaths.Publication(model),
                record,
                publishedETag is null ? WriteCondition.None : WriteCondition.IfMatch(publishedETag),
                cancellationToken).ConfigureAwait(false);
        }

        DefinitionsLog.Published(_logger, model, directory, definitionChanged ? "updated" : "unchanged", uploaded.Count, unchanged.Count, removed.Count);
        return new DefinitionPublication(model, definitionChanged, uploaded, unchanged, removed);
    }

    /// <summary>
    /// Publishes every folder directly under <paramref name="modelsDirectory"/> that holds a <c>model.json</c>,
    /// in ordinal order. A folder that fails does not stop the others; its error is returned.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public async Task<IReadOnlyList<DefinitionPublishResult>> PublishAllAsync(string modelsDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        if (!Directory.Exists(modelsDirectory))
        {
            throw new DirectoryNotFoundException($"The models folder '{Path.GetFullPath(modelsDirectory)}' does not exist.");
        }

        var results = new List<DefinitionPublishResult>();
        foreach (string directory in Directory.EnumerateDirectories(modelsDirectory).Order(StringComparer.Ordinal))
        {
            if (!File.Exists(Path.Combine(directory, DefinitionPaths.DefinitionFileName)))
            {
                continue;
            }

            try
            {
                results.Add(new DefinitionPublishResult(directory, await PublishAsync(directory, cancellationToken).ConfigureAwait(false), null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                results.Add(new DefinitionPublishResult(directory, null, e));
            }
        }

        return results;
    }

    private static List<(string File, string ObjectPath)> LocalDataFiles(string directory, ModelDefinition definition, string definitionFile)
    {
        string data = Path.GetFullPath(Path.Combine(directory, definition.Data));
        string[] files;
        if (Directory.Exists(data))
        {
            files = [.. Directory.EnumerateFiles(data)
                .Where(file => DataFormats.TryFromPath(file, out _))
                .OrderBy(Path.GetFileName, StringComparer.Ordinal)];
            if (files.Length == 0)
            {
                throw new DataFormatException(
                    $"The data folder of model '{definition.Name}' has no data files; expected files ending in {string.Join(", ", DataFormats.Extensions)}.", filePath: data);
            }
        }
        else if (File.Exists(data))
        {
            files = [data];
        }
        else
        {
            throw new FileNotFoundException($"The data '{definition.Data}' named by {definitionFile} does not exist (looked for '{data}').", data);
        }

        var result = new List<(string, string)>(files.Length);
        foreach (string file in files)
        {
            string objectPath = DefinitionPaths.TrainingData(definition.Name) + Path.GetFileName(file);
            if (!ObjectPath.IsValid(objectPath))
            {
                throw new ModelDefinitionException("data", $"the data file name '{Path.GetFileName(file)}' cannot be stored: use letters, digits, '.', '_' and '-' only (in {definitionFile})");
            }

            result.Add((file, objectPath));
        }

        return result;
    }

    /// <summary>Whether the stored object holds the local content, by the publication record when it still describes the object, else by reading it.</summary>
    private async Task<bool> MatchesAsync(PublicationDocument published, string objectPath, string storedETag, string sha256, CancellationToken cancellationToken)
    {
        if (published.Files.TryGetValue(objectPath, out PublishedFile? before) && before.ETag == storedETag)
        {
            return before.Sha256 == sha256;
        }

        Stream? stored = await _store.OpenReadAsync(objectPath, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return false;
        }

        await using (stored.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stored, cancellationToken).ConfigureAwait(false)) == sha256;
        }
    }

    private async Task<bool> WriteDefinitionIfChangedAsync(string model, byte[] content, CancellationToken cancellationToken)
    {
        string path = DefinitionPaths.Definition(model);
        StoredObject? current = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Content.Span.SequenceEqual(content))
        {
            return false;
        }

        await _store.WriteAsync(path, content, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<(PublicationDocument Document, string? ETag)> ReadPublicationAsync(string model, CancellationToken cancellationToken)
    {
        string path = DefinitionPaths.Publication(model);
        StoredObject? stored = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return (new PublicationDocument(), null);
        }

        try
        {
            return (JsonSerializer.Deserialize<PublicationDocument>(stored.Content.Span, JsonOptions) ?? new PublicationDocument(), stored.ETag);
        }
        catch (JsonException)
        {
            // Only an optimisation: without it every file is compared by content.
            return (new PublicationDocument(), stored.ETag);
        }
    }

    private static async Task<string> HashFileAsync(string file, CancellationToken cancellationToken)
    {
        FileStream stream = File.OpenRead(file);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    private sealed class PublicationDocument
    {
        public Dictionary<string, PublishedFile> Files { get; set; } = new(StringComparer.Ordinal);
    }

    private sealed record PublishedFile(string Sha256, string ETag);
}
