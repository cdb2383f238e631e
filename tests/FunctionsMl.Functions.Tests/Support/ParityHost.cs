using System.Text;
using FunctionsMl.Functions.Hosting;
using FunctionsMl.Functions.Storage;
using FunctionsMl.Functions.Tests.Metadata;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Functions.Tests.Support;

/// <summary>What a call answered: status, content type, body and the headers the API promises.</summary>
public sealed record Answer(int Status, string? ContentType, string Body, string? ModelVersion, string? RequestId, string? Location = null);

/// <summary>
/// The local host's API (<see cref="FunctionsMlApi.MapFunctionsMlApi"/>) and the Azure HTTP functions over one
/// service provider (the Azure app's registration) and one in-memory store holding the iris sample as versions 1 and 2 (production = 2). A call
/// goes to a local endpoint through its request delegate, or to a function method as the worker would call it
/// (request, route values, cancellation token) with the returned <see cref="IResult"/> executed on the context,
/// as the ASP.NET Core integration does.
/// </summary>
internal sealed class ParityHost : IAsyncDisposable
{
    public const string ApiKey = "parity-key";

    public static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;

    private ParityHost(WebApplication app, IReadOnlyList<RouteEndpoint> endpoints)
    {
        _app = app;
        Endpoints = endpoints;
    }

    /// <summary>The local host's endpoints of the shared API.</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints { get; }

    /// <summary>The Azure app's services (its own registration, over the in-memory store).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>What a <c>[DurableClient]</c> parameter of a function receives.</summary>
    public RecordingDurableClient DurableClient { get; } = new();

    /// <param name="seedIris">Whether the store starts with iris versions 1 and 2 registered (production = 2).</param>
    public static async Task<ParityHost> StartAsync(bool seedIris = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration[$"{FunctionsMlOptions.SectionName}:{nameof(FunctionsMlOptions.ApiKey)}"] = ApiKey;
        builder.Configuration[ObjectStoreKinds.SettingKey] = "filesystem";
        var time = new FixedTimeProvider(Now);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IObjectStore>(new InMemoryObjectStore(time));

        // The Azure app's own registration (a superset of the local host's: AddFunctionsMl and problem details).
        builder.Services.AddFunctionsMlApp(builder.Configuration);
        var app = builder.Build();
        app.MapFunctionsMlApi();
        app.MapRetrainingApi();

        if (seedIris)
        {
            var registry = app.Services.GetRequiredService<ModelRegistry>();
            foreach (var (file, manifest) in await SampleModel.IrisVersionsAsync())
            {
                await registry.RegisterAsync("iris", file, manifest, "tests");
            }

            await registry.SetAliasAsync("iris", "production", "2", new AliasChange("tests", "seed"));
        }

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
        return new ParityHost(app, endpoints);
    }

    /// <summary>Publishes the repository's models/iris folder (definition and training data) into the store, as the azd hook uploads it.</summary>
    public Task PublishIrisDefinitionAsync() =>
        _app.Services.GetRequiredService<DefinitionPublisher>().PublishAsync(Repository.PathOf("models", "iris"));

    /// <summary>Calls the local endpoint mapped to <paramref name="routePattern"/> and <paramref name="method"/>.</summary>
    public async Task<Answer> CallLocalAsync(string method, string routePattern, IReadOnlyDictionary<string, string> routeValues, string? body, string query = "")
    {
        var endpoint = Endpoints.Single(e =>
            e.RoutePattern.RawText == routePattern &&
            e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase));
        await using var scope = _app.Services.CreateAsyncScope();
        var context = NewContext(scope.ServiceProvider, method, routeValues, body, query);
        await endpoint.RequestDelegate!(context);
        return Read(context);
    }

    /// <summary>Calls the function method as the worker would and executes its result.</summary>
    public async Task<Answer> CallFunctionAsync(FunctionDeclaration function, string method, IReadOnlyDictionary<string, string> routeValues, string? body, string query = "")
    {
        var target = function.Target ?? throw new ArgumentException("A declaration read from the app is needed.", nameof(function));
        await using var scope = _app.Services.CreateAsyncScope();
        var context = NewContext(scope.ServiceProvider, method, routeValues, body, query);
        var instance = target.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, target.DeclaringType!);
        var arguments = target.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => context.Request,
            var t when t == typeof(CancellationToken) => (object)context.RequestAborted,
            var t when t == typeof(DurableTaskClient) => DurableClient,
            var t when t == typeof(string) => routeValues[p.Name!],
            var t => throw new InvalidOperationException($"{function.Method}: no test value for parameter {p.Name} of type {t}"),
        }).ToArray();

        var returned = target.Invoke(instance, arguments);
        var result = returned switch
        {
            Task<IResult> task => await task,
            IResult value => value,
            _ => throw new InvalidOperationException($"{function.Method} returned {returned?.GetType().Name ?? "null"}, not IResult or Task<IResult>"),
        };
        await result.ExecuteAsync(context);
        return Read(context);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static DefaultHttpContext NewContext(IServiceProvider services, string method, IReadOnlyDictionary<string, string> routeValues, string? body, string query)
    {
        var context = new DefaultHttpContext { RequestServices = services, TraceIdentifier = "parity-trace" };
        context.Request.Method = method;
        context.Request.QueryString = query.Length == 0 ? QueryString.Empty : new QueryString(query);
        foreach (var (name, value) in routeValues)
        {
            context.Request.RouteValues[name] = value;
        }

        context.Request.Headers[ManagementKeyFilter.HeaderName] = ApiKey;
        context.Request.Headers[PredictionHandler.RequestIdHeader] = "parity";
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = bytes.Length;
            context.Request.Body = new MemoryStream(bytes);
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    private static Answer Read(HttpContext context)
    {
        var response = context.Response;
        var body = Encoding.UTF8.GetString(((MemoryStream)response.Body).ToArray());
        return new Answer(
            response.StatusCode,
            response.ContentType,
            body,
            response.Headers["x-model-version"].ToString() is { Length: > 0 } version ? version : null,
            response.Headers[PredictionHandler.RequestIdHeader].ToString() is { Length: > 0 } id ? id : null,
            response.Headers.Location.ToString() is { Length: > 0 } location ? location : null);
    }
}
