using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Serving.Tests.Traffic;

/// <summary>Real models trained once per test run from the repository's samples (small trainers, so it is quick).</summary>
public static class TestModels
{
    private static readonly Lazy<TrainedModel> LazyIris = new(() => Train("iris", """{"type":"gbdt","trees":10,"leaves":4,"minRowsPerLeaf":5,"seed":7}"""));
    private static readonly Lazy<TrainedModel> LazyIrisLinear = new(() => Train("iris", """{"type":"linear"}"""));
    private static readonly Lazy<TrainedModel> LazyDiabetes = new(() => Train("diabetes", null));

    public const string SetosaRow = """{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}""";
    public const string VirginicaRow = """{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3}""";
    public const string DiabetesRow = """{"age":59,"sex":2,"bmi":32.1,"blood_pressure":101,"total_cholesterol":157,"ldl":93.2,"hdl":38,"cholesterol_hdl_ratio":4,"log_triglycerides":4.8598,"blood_sugar":87}""";

    /// <summary>Iris, multiclass GBDT.</summary>
    public static TrainedModel Iris => LazyIris.Value;

    /// <summary>Iris, multiclass linear: another "version" with the same schema.</summary>
    public static TrainedModel IrisLinear => LazyIrisLinear.Value;

    /// <summary>Diabetes, regression.</summary>
    public static TrainedModel Diabetes => LazyDiabetes.Value;

    public static string RepositoryRoot { get; } = FindRoot();

    private static TrainedModel Train(string name, string? trainerJson)
    {
        var directory = Path.Combine(RepositoryRoot, "models", name);
        var definition = ModelDefinition.LoadAsync(Path.Combine(directory, "model.json")).GetAwaiter().GetResult();
        if (trainerJson is not null)
        {
            definition = definition with { Trainer = new TrainerDefinition(JsonDocument.Parse(trainerJson).RootElement.GetProperty("type").GetString()!, JsonDocument.Parse(trainerJson).RootElement) };
        }

        var data = DataLoader.Load(Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
        return new ModelBuilder(TimeProvider.System).Train(definition, data, "test").Model;
    }

    private static string FindRoot()
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
}

/// <summary>Resolves targets from a table; a target can be made to throw or to hang, as a broken or slow version does.</summary>
public sealed class FakeResolver : IModelResolver
{
    private readonly ConcurrentDictionary<string, Func<CancellationToken, Task<ServedModel>>> _targets = new(StringComparer.Ordinal);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Serves <paramref name="model"/> as version <paramref name="version"/> of "iris" under <paramref name="target"/> (and under the version number itself).</summary>
    public FakeResolver Serve(string target, string version, TrainedModel model, string name = "iris")
    {
        var served = new ServedModel(name, version, model);
        _targets[$"{name}/{target}"] = _ => Task.FromResult(served);
        _targets.TryAdd($"{name}/{version}", _ => Task.FromResult(served));
        return this;
    }

    public FakeResolver Throw(string target, Exception exception, string name = "iris")
    {
        _targets[$"{name}/{target}"] = _ => Task.FromException<ServedModel>(exception);
        return this;
    }

    public FakeResolver Hang(string target, string name = "iris")
    {
        _targets[$"{name}/{target}"] = async cancellationToken =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        };
        return this;
    }

    public ValueTask<ServedModel> ResolveAsync(string name, string? aliasOrVersion = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var target = aliasOrVersion ?? IModelResolver.ProductionAlias;
        return _targets.TryGetValue($"{name}/{target}", out var resolve)
            ? new ValueTask<ServedModel>(resolve(cancellationToken))
            : ValueTask.FromException<ServedModel>(new ModelNotFoundException(name, alias: target));
    }
}

/// <summary>
/// The services of <c>AddFunctionsMl</c> over an in-memory store and a given resolver, with a way to call the
/// HTTP handlers as Kestrel would (a request in, the response's status, headers and JSON out).
/// </summary>
public sealed class HandlerHarness : IAsyncDisposable
{
    private HandlerHarness(ServiceProvider services)
    {
        Services = services;
    }

    public ServiceProvider Services { get; }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public static HandlerHarness Create(IModelResolver resolver, TimeProvider? timeProvider = null, IObjectStore? store = null, IDictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(timeProvider ?? TimeProvider.System);
        services.AddSingleton(store ?? new InMemoryObjectStore(timeProvider));
        services.AddSingleton(resolver);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        services.AddFunctionsMl(configuration);
        return new HandlerHarness(services.BuildServiceProvider());
    }

    public async Task<Response> InvokeAsync(Func<HttpRequest, Task<IResult>> handler, string? json = null, IDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Request.Headers[name] = value;
        }

        var body = new MemoryStream();
        context.Response.Body = body;
        var result = await handler(context.Request);
        await result.ExecuteAsync(context);
        await context.Response.BodyWriter.FlushAsync();
        var text = Encoding.UTF8.GetString(body.ToArray());
        return new Response(context.Response.StatusCode, context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), text);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();

    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }
}
