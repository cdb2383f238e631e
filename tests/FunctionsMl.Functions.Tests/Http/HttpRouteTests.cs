using FunctionsMl.Functions.Tests.Metadata;
using FunctionsMl.Functions.Tests.Support;
using FunctionsMl.Serving.Http;
using Microsoft.AspNetCore.Routing;

namespace FunctionsMl.Functions.Tests.Http;

/// <summary>The HTTP functions against the local host's routes, read from its endpoint data source.</summary>
public sealed class HttpRouteTests
{
    /// <summary>The functions that answer without a key: protocol discovery and the server's health probes.</summary>
    private static readonly string[] Anonymous = ["ServerMetadata", "ServerLive", "ServerReady"];

    private static IEnumerable<FunctionDeclaration> HttpFunctions => FunctionCatalog.App.Where(f => f.Trigger?.Kind == "HttpTrigger");

    [Fact]
    public async Task HttpFunctions_ServeEveryLocalRouteWithTheSameMethods()
    {
        await using var host = await ParityHost.StartAsync();
        var routePrefix = HostJson.RoutePrefix;

        var local = host.Endpoints
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m.ToUpperInvariant()} {e.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal);
        // As the worker's FunctionsEndpointDataSource and the host build it: "{routePrefix}/{Route}".
        var functions = HttpFunctions
            .SelectMany(f => f.Trigger!.Texts("Methods").Select(m => $"{m.ToUpperInvariant()} {routePrefix}/{f.Trigger.Text("Route")}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(local, functions);
    }

    [Fact]
    public void HttpFunctions_CoverEveryRouteConstant()
    {
        var constants = typeof(FunctionsMlApi.Routes).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal);
        var routes = HttpFunctions.Select(f => "/" + f.Trigger!.Text("Route")).Order(StringComparer.Ordinal);

        Assert.Equal(constants, routes);
    }

    [Fact]
    public async Task HttpFunctions_AreNamedAsTheLocalEndpoints()
    {
        await using var host = await ParityHost.StartAsync();

        var named = host.Endpoints
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .ToDictionary(e => e.RoutePattern.RawText!, e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName);
        var functions = HttpFunctions.ToDictionary(f => "/" + f.Trigger!.Text("Route"), f => f.Name);

        Assert.NotEmpty(named);
        Assert.All(named, endpoint => Assert.Equal(endpoint.Value, functions[endpoint.Key]));
    }

    [Fact]
    public void HttpFunctions_NeedAFunctionKeyExceptServerMetadataAndHealth()
    {
        var levels = HttpFunctions.ToDictionary(f => f.Name, f => f.Trigger!.Text("AuthLevel"));

        Assert.All(levels, level => Assert.Equal(Anonymous.Contains(level.Key) ? "Anonymous" : "Function", level.Value));
        Assert.All(Anonymous, name => Assert.Contains(name, levels.Keys));
    }
}
