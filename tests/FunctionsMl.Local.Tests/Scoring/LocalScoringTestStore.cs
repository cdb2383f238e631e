using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local.Tests.Scoring;

/// <summary>A store folder with the iris sample model registered and promoted to production, removed on dispose.</summary>
public sealed class LocalScoringTestStore : IDisposable
{
    private static readonly Lazy<TrainedModel> Iris = new(TrainIris);

    public LocalScoringTestStore()
    {
        Root = Path.Combine(Path.GetTempPath(), "functionsml-local-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(Root);
        Store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootDirectory = Path.Combine(Root, "store"), FlushToDisk = false });
        var registry = new ModelRegistry(Store, TimeProvider.System);
        var model = Iris.Value;
        var manifest = JsonSerializer.SerializeToElement(model.Manifest, ModelManifest.JsonOptions);
        var registration = registry.RegisterAsync("iris", model.ToModelFile(), manifest, "tests").GetAwaiter().GetResult();
        registry.SetAliasAsync("iris", "production", registration.Version.Version, new AliasChange("tests", "sample")).GetAwaiter().GetResult();
    }

    /// <summary>A scratch folder; the store is its <c>store</c> subfolder.</summary>
    public string Root { get; }

    public string StorePath => Store.RootDirectory;

    public FileSystemObjectStore Store { get; }

    public const string IrisHeader = "sepal_length,sepal_width,petal_length,petal_width";

    /// <summary>The 150 iris rows without their label.</summary>
    public static IReadOnlyList<string> IrisRows { get; } = ReadIrisRows();

    public Task<string> WriteAsync(string path, string text) => Store.WriteAsync(path, Encoding.UTF8.GetBytes(text), WriteCondition.None);

    public async Task<string?> ReadAsync(string path) =>
        await Store.ReadAsync(path) is { } stored ? Encoding.UTF8.GetString(stored.Content.Span) : null;

    /// <summary>Polls until <paramref name="path"/> exists; fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await ReadAsync(path) is { } text)
            {
                return text;
            }

            Assert.True(DateTime.UtcNow < deadline, $"'{path}' did not appear within {timeout}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until <paramref name="path"/> is gone: a scored input is deleted just after its summary is committed.</summary>
    public async Task WaitForGoneAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ReadAsync(path) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{path}' was not removed within {timeout}.");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still be exiting; the temp folder is cleaned by the OS eventually.
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FunctionsMl.sln not found above " + AppContext.BaseDirectory);
    }

    private static string[] ReadIrisRows() =>
        [.. File.ReadAllLines(Path.Combine(RepositoryRoot(), "models", "iris", "data", "iris.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l[..l.LastIndexOf(',')])];

    private static TrainedModel TrainIris()
    {
        var directory = Path.Combine(RepositoryRoot(), "models", "iris");
        var definition = ModelDefinition.LoadAsync(Path.Combine(directory, "model.json")).GetAwaiter().GetResult();
        var data = DataLoader.Load(Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
        return new ModelBuilder(TimeProvider.System).Train(definition, data, "tests").Model;
    }
}
