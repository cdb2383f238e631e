using System.Security.Cryptography;
using System.Text.Json;
using FunctionsMl.Engine.Interop;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Registry;

/// <summary>
/// Registers a model trained elsewhere (ONNX, XGBoost JSON, LightGBM text) as the next version of a model: the file
/// is imported into a FunctionsMl model file (the original bytes embedded, the manifest recording the source format,
/// inputs, outputs, task and class labels), checked to load back, and registered like any version. It is not aliased:
/// promote it with the alias API like any other version.
/// </summary>
public sealed class ExternalModelRegistrar(ModelRegistry registry, TimeProvider timeProvider)
{
    /// <param name="format">The file's format; detected from its content when null.</param>
    /// <exception cref="ModelImportException">The file cannot be served (malformed, or an unsupported operator, attribute, objective or type, named in the message).</exception>
    /// <exception cref="ArgumentException">The model name is invalid.</exception>
    public async Task<ModelRegistration> RegisterAsync(
        string model,
        ReadOnlyMemory<byte> file,
        ExternalModelFormat? format,
        ExternalModelOptions? options,
        string registeredBy,
        CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(registeredBy);
        var imported = Engine.Interop.ExternalModelImporter.Import(model, file, format, options, timeProvider);
        var modelFile = await SameAsRegisteredAsync(model, imported, cancellationToken).ConfigureAwait(false) ?? imported.ToModelFile();

        // What is registered must load exactly as the predictor cache will load it.
        var loaded = TrainedModel.Load(modelFile);
        using var manifest = JsonDocument.Parse(loaded.Manifest.ToJsonBytes());
        return await registry.RegisterAsync(model, modelFile, manifest.RootElement, registeredBy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The model file of a version already registered from the same source file with the same choices, if any, so
    /// registering a file twice answers with the existing version instead of a copy differing only in its timestamp.
    /// </summary>
    private async Task<byte[]?> SameAsRegisteredAsync(string model, TrainedModel imported, CancellationToken cancellationToken)
    {
        foreach (var version in await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false))
        {
            var existing = version.Manifest.Deserialize<ModelManifest>(ModelManifest.JsonOptions);
            if (existing is null || existing.SourceFormat != imported.Manifest.SourceFormat || existing.TrainingData.Fingerprint != imported.Manifest.TrainingData.Fingerprint)
            {
                continue;
            }

            var candidate = new TrainedModel(imported.Manifest with { CreatedAt = existing.CreatedAt, EngineVersion = existing.EngineVersion }, imported.Pipeline, imported.Predictor).ToModelFile();
            if (Convert.ToHexStringLower(SHA256.HashData(candidate)) == version.Sha256)
            {
                return candidate;
            }
        }

        return null;
    }
}
