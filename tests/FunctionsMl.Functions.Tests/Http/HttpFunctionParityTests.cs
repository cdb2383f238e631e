using FunctionsMl.Functions.Tests.Metadata;
using FunctionsMl.Functions.Tests.Support;

namespace FunctionsMl.Functions.Tests.Http;

/// <summary>
/// Each HTTP function answers a request exactly as the local host's endpoint for the same route does: same
/// status, content type, body and headers, over the same store. This holds the functions to binding the right
/// route values to the right handler arguments, and the Azure app's services to the local host's.
/// </summary>
public sealed class HttpFunctionParityTests
{
    private const string SetosaRow = """{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}""";

    private const string InferRequest = """
        {"id":"abc","inputs":[
          {"name":"sepal_length","shape":[2],"datatype":"FP32","data":[5.1,6.7]},
          {"name":"sepal_width","shape":[2],"datatype":"FP32","data":[3.5,3.0]},
          {"name":"petal_length","shape":[2],"datatype":"FP32","data":[1.4,5.2]},
          {"name":"petal_width","shape":[2],"datatype":"FP32","data":[0.2,2.3]}]}
        """;

    /// <summary>
    /// Function (<c>Name:METHOD</c> for a function with several methods), route values (<c>name=value;...</c>, then
    /// <c>?query</c> if any), body, and the status the local host answers.
    /// </summary>
    public static TheoryData<string, string, string?, int> Calls => new()
    {
        { "Predict", "name=iris", SetosaRow, 200 },
        { "Predict", "name=wine", SetosaRow, 404 },
        { "Predict", "name=iris", """{"sepal_length":"long"}""", 400 },
        { "PredictWithVersion", "name=iris;version=1", SetosaRow, 200 },
        { "PredictWithVersion", "name=iris;version=9", SetosaRow, 404 },
        { "ListModels", "", null, 200 },
        { "GetModel", "name=iris", null, 200 },
        { "GetModel", "name=wine", null, 404 },
        { "SetAlias", "name=iris;alias=staging", """{"version":"1","reason":"parity"}""", 200 },
        { "SetAlias", "name=iris;alias=staging", """{"version":"one"}""", 400 },
        { "GetAudit", "name=iris", null, 200 },
        { "RegisterExternalModel", "name=iris", "not a model file", 400 },
        { "ServerMetadata", "", null, 200 },
        { "ServerLive", "", null, 200 },
        { "ServerReady", "", null, 200 },
        { "ModelMetadata", "name=iris", null, 200 },
        { "ModelVersionMetadata", "name=iris;version=1", null, 200 },
        { "ModelReady", "name=iris", null, 200 },
        { "ModelVersionReady", "name=iris;version=1", null, 200 },
        { "ModelInfer", "name=iris", InferRequest, 200 },
        { "ModelVersionInfer", "name=iris;version=1", InferRequest, 200 },
        { "ModelVersionInfer", "name=iris;version=2", """{"inputs":[]}""", 400 },
        { "Traffic:GET", "name=iris", null, 200 },
        { "Traffic:GET", "name=wine", null, 404 },
        { "Traffic:PUT", "name=iris", """{"split":[{"target":"production","weight":100}],"reason":"parity"}""", 200 },
        { "Traffic:PUT", "name=iris", """{"split":[{"target":"production","weight":90}]}""", 400 },
        { "Traffic:DELETE", "name=iris", null, 200 },
        { "GetTrafficAudit", "name=iris", null, 200 },
        { "GetStats", "name=iris", null, 200 },
        { "PostFeedback", "name=iris", """{"requestId":"never-logged","label":"setosa"}""", 404 },
        { "StartRetraining", "name=wine", null, 404 },
        { "StartRetraining", "name=Iris!", null, 400 },
        { "ListRetrainingRuns", "name=iris", null, 404 },
        { "ListRetrainingRuns", "name=iris?limit=0", null, 400 },
        { "ListRetrainingRuns", "name=iris?limit=ten", null, 400 },
        { "GetRetrainingRun", "name=iris;id=20260501-120000-000-abcdef", null, 404 },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Function_AnswersAsTheLocalEndpoint(string functionName, string routeValues, string? body, int localStatus)
    {
        var function = FunctionCatalog.App.Single(f => f.Name == functionName.Split(':')[0]);
        var trigger = function.Trigger!;
        var method = functionName.Contains(':', StringComparison.Ordinal) ? functionName.Split(':')[1] : trigger.Texts("Methods").Single().ToUpperInvariant();
        var query = routeValues.Contains('?', StringComparison.Ordinal) ? routeValues[routeValues.IndexOf('?', StringComparison.Ordinal)..] : string.Empty;
        var values = routeValues[..^query.Length].Split(';', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => pair[1]);
        await using var host = await ParityHost.StartAsync();

        var local = await host.CallLocalAsync(method, "/" + trigger.Text("Route"), values, body, query);
        var azure = await host.CallFunctionAsync(function, method, values, body, query);

        Assert.Equal(localStatus, local.Status);
        Assert.Equal(local, azure);
    }

    [Fact]
    public async Task PredictWithVersion_ServesThePinnedVersionNotProduction()
    {
        var function = FunctionCatalog.App.Single(f => f.Name == "PredictWithVersion");
        await using var host = await ParityHost.StartAsync();

        var pinned = await host.CallFunctionAsync(function, "POST", new Dictionary<string, string> { ["name"] = "iris", ["version"] = "1" }, SetosaRow);

        Assert.Equal(200, pinned.Status);
        Assert.Equal("1", pinned.ModelVersion);
        Assert.Equal("parity", pinned.RequestId);
        Assert.Contains("\"setosa\"", pinned.Body, StringComparison.Ordinal);
    }

    /// <summary>Every HTTP function has a case above, including the retraining starter, whose Durable client the host fakes.</summary>
    [Fact]
    public void Calls_CoverEveryHttpFunction()
    {
        var called = Calls.Select(row => ((string)row[0]).Split(':')[0]).ToHashSet(StringComparer.Ordinal);

        Assert.All(FunctionCatalog.App.Where(f => f.Trigger?.Kind == "HttpTrigger"), f => Assert.Contains(f.Name, called));
    }
}
