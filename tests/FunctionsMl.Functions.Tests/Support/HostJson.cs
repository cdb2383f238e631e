using System.Text.Json;

namespace FunctionsMl.Functions.Tests.Support;

/// <summary>The repository's host.json, which the Functions project links in.</summary>
internal static class HostJson
{
    public static JsonElement Root { get; } = JsonDocument.Parse(Repository.Read("host.json")).RootElement.Clone();

    public static string RoutePrefix => Root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString()!;

    public static JsonElement At(params string[] path) => path.Aggregate(Root, (element, name) => element.GetProperty(name));
}
