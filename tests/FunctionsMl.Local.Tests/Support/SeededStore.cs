using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local.Tests.Support;

/// <summary>A temporary store holding trained sample models, as the local host leaves it after its first start.</summary>
internal sealed class SeededStore : IDisposable
{
    private SeededStore(string path)
    {
        Path = path;
        Registry = new ModelRegistry(new FileSystemObjectStore(path), TimeProvider.System);
    }

    public string Path { get; }

    public ModelRegistry Registry { get; }

    public static SeededStore Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "functionsml-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return new SeededStore(path);
    }

    /// <summary>Trains a sample model (optionally with other trainer options) and registers it; returns its version.</summary>
    public async Task<string> RegisterSampleAsync(string name, string? trainerJson = null)
    {
        var directory = Repository.ModelDirectory(name);
        var definition = await ModelDefinition.LoadAsync(System.IO.Path.Combine(directory, "model.json"));
        if (trainerJson is not null)
        {
            definition = definition with { Trainer = new TrainerDefinition(definition.Trainer.Type, JsonDocument.Parse(trainerJson).RootElement) };
        }

        var data = DataLoader.Load(System.IO.Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
        var model = new ModelBuilder(TimeProvider.System).Train(definition, data, "test").Model;
        var registration = await Registry.RegisterAsync(name, model.ToModelFile(), JsonSerializer.SerializeToElement(model.Manifest, ModelManifest.JsonOptions), "tests");
        return registration.Version.Version;
    }

    public Task PromoteAsync(string name, string version, string alias = "production") =>
        Registry.SetAliasAsync(name, alias, version, new AliasChange("tests", "seeding"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A host still shutting down may hold a file; the temp folder is cleaned by the OS eventually.
        }
    }
}
