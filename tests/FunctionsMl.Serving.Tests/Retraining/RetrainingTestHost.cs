using System.Text;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>
/// The retraining services as both hosts compose them (<c>AddFunctionsMl</c>), over a store the test chooses,
/// with retries fast enough for tests.
/// </summary>
public sealed class RetrainingTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public RetrainingTestHost(IObjectStore? store = null, IDictionary<string, string?>? settings = null)
    {
        Store = new HookedObjectStore(store ?? new InMemoryObjectStore());
        var configuration = new Dictionary<string, string?>
        {
            ["FunctionsMl:Retraining:FirstRetryInterval"] = "00:00:00.005",
            ["FunctionsMl:Retraining:MaxRetryInterval"] = "00:00:00.020",
        };
        foreach (KeyValuePair<string, string?> setting in settings ?? new Dictionary<string, string?>())
        {
            configuration[setting.Key] = setting.Value;
        }

        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IObjectStore>(Store)
            .AddFunctionsMl(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider();
    }

    public HookedObjectStore Store { get; }

    public RetrainingService Retraining => _services.GetRequiredService<RetrainingService>();

    public ModelRegistry Registry => _services.GetRequiredService<ModelRegistry>();

    public RunStore Runs => _services.GetRequiredService<RunStore>();

    public RunLocks Locks => _services.GetRequiredService<RunLocks>();

    public DefinitionPublisher Publisher => _services.GetRequiredService<DefinitionPublisher>();

    public DefinitionStore Definitions => _services.GetRequiredService<DefinitionStore>();

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public async Task<string?> ProductionAsync(string model = "iris") =>
        (await Registry.GetAliasesAsync(model)).VersionOf("production");

    /// <summary>Publishes the repository's iris sample into the store.</summary>
    public Task<DefinitionPublication> PublishIrisAsync() => Publisher.PublishAsync(SampleModel.Directory("iris"));

    /// <summary>Publishes iris's data with another definition, written straight into the store as a deployment would.</summary>
    public async Task PublishIrisVariantAsync(string definitionJson)
    {
        await PublishIrisAsync();
        await Store.WriteAsync(DefinitionPaths.Definition("iris"), Encoding.UTF8.GetBytes(definitionJson), WriteCondition.None);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}

/// <summary>The sample models in the repository's models/ folder.</summary>
public static class SampleModel
{
    public const string WeakIris = """
        {
          "name": "iris", "task": "multiclass", "label": "species",
          "features": { "sepal_width": "numeric" },
          "trainer": { "type": "gbdt", "trees": 2, "leaves": 2, "minRowsPerLeaf": 5, "seed": 1 },
          "validation": { "holdout": 0.2, "metric": "accuracy", "minimum": 0.3 }
        }
        """;

    public static string Directory(string name) => Path.Combine(RepositoryRoot(), "models", name);

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: FunctionsMl.sln not found above " + AppContext.BaseDirectory);
    }
}
