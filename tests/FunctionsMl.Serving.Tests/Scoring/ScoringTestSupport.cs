using System.Text;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.Scoring;

/// <summary>Models trained once per test run from the repository's sample definitions.</summary>
internal static class ScoringTestModels
{
    private static readonly Lazy<TrainedModel> LazyIris = new(() => Train("iris"));
    private static readonly Lazy<TrainedModel> LazyDiabetes = new(() => Train("diabetes"));

    /// <summary>Multiclass over sepal_length, sepal_width, petal_length, petal_width; labels setosa, versicolor, virginica.</summary>
    public static TrainedModel Iris => LazyIris.Value;

    /// <summary>Regression (linear) over ten numeric inputs.</summary>
    public static TrainedModel Diabetes => LazyDiabetes.Value;

    public static string RepositoryRoot()
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

    /// <summary>The iris data rows without the label, header first.</summary>
    public static string[] IrisFeatureLines()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "models", "iris", "data", "iris.csv"));
        return [.. lines.Where(line => line.Length > 0).Select(line => line[..line.LastIndexOf(',')])];
    }

    private static TrainedModel Train(string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "models", name);
        var definition = ModelDefinition.LoadAsync(Path.Combine(directory, "model.json")).GetAwaiter().GetResult();
        var data = DataLoader.Load(Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
        return new ModelBuilder(TimeProvider.System).Train(definition, data, "test").Model;
    }
}

/// <summary>A resolver that serves fixed models, as the predictor cache would, and counts its calls.</summary>
internal sealed class StubModelResolver : IModelResolver
{
    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);
    private readonly HashSet<string> _notReady = new(StringComparer.Ordinal);
    private int _calls;

    public int Calls => _calls;

    public StubModelResolver With(string name, string version, TrainedModel model)
    {
        _models[name] = new ServedModel(name, version, model);
        return this;
    }

    public StubModelResolver NotReady(string name)
    {
        _notReady.Add(name);
        return this;
    }

    public ValueTask<ServedModel> ResolveAsync(string name, string? aliasOrVersion = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        RegistryNames.ValidateModel(name, nameof(name));
        if (_notReady.Contains(name))
        {
            throw new ModelNotReadyException($"Model '{name}' has no production version yet.");
        }

        return _models.TryGetValue(name, out var served) ? ValueTask.FromResult(served) : throw new ModelNotFoundException(name);
    }
}

internal static class StoreText
{
    public static Task<string> WriteAsync(IObjectStore store, string path, string text) =>
        store.WriteAsync(path, Encoding.UTF8.GetBytes(text), WriteCondition.None);

    public static async Task<string?> ReadAsync(IObjectStore store, string path) =>
        await store.ReadAsync(path) is { } stored ? Encoding.UTF8.GetString(stored.Content.Span) : null;

    public static async Task<List<string>> ListAsync(IObjectStore store, string prefix)
    {
        var paths = new List<string>();
        await foreach (var info in store.ListAsync(prefix))
        {
            paths.Add(info.Path);
        }

        return paths;
    }

    /// <summary>Reads CSV text with the engine's reader: the header and every record's fields.</summary>
    public static (IReadOnlyList<string> Columns, List<string[]> Rows) ParseCsv(string text)
    {
        using var reader = new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var rows = new List<string[]>();
        while (reader.TryRead(out var record))
        {
            rows.Add(record.ToArray());
        }

        return (reader.Columns, rows);
    }
}
