using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Functions.Tests.Support;

/// <summary>
/// The iris sample (models/iris) trained once per test run, twice over: as defined, and with fewer trees, so that
/// the two register as two versions (the registry keeps one version per distinct file).
/// </summary>
internal static class SampleModel
{
    private static readonly Lazy<Task<IReadOnlyList<(byte[] File, JsonElement Manifest)>>> Iris = new(TrainIrisAsync);

    public static Task<IReadOnlyList<(byte[] File, JsonElement Manifest)>> IrisVersionsAsync() => Iris.Value;

    private static async Task<IReadOnlyList<(byte[] File, JsonElement Manifest)>> TrainIrisAsync()
    {
        var directory = Repository.PathOf("models", "iris");
        var definition = await ModelDefinition.LoadAsync(Path.Combine(directory, "model.json"));
        var data = DataLoader.Load(Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
        var smaller = definition with
        {
            Trainer = new TrainerDefinition(definition.Trainer.Type, JsonDocument.Parse("""{ "trees": 20, "leaves": 8, "seed": 2 }""").RootElement),
        };
        var builder = new ModelBuilder(new FixedTimeProvider(ParityHost.Now));
        return [Train(builder, definition, data), Train(builder, smaller, data)];
    }

    private static (byte[] File, JsonElement Manifest) Train(ModelBuilder builder, ModelDefinition definition, DataTable data)
    {
        var model = builder.Train(definition, data, "functions-tests").Model;
        return (model.ToModelFile(), JsonSerializer.SerializeToElement(model.Manifest, ModelManifest.JsonOptions));
    }
}
