using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using FunctionsMl.Functions.Scoring;
using FunctionsMl.Functions.Tests.Metadata;
using FunctionsMl.Functions.Tests.Support;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Functions.Tests.Scoring;

/// <summary>The scoring functions called as the worker calls them, over the app's services and an in-memory store holding iris.</summary>
public sealed class ScoringFunctionsTests
{
    private const string Request = """{"id":"r-1","model":"iris","instances":[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]}""";

    [Fact]
    public async Task ScoreMessage_GoodRequest_WritesOnlyTheResult()
    {
        await using var host = await ParityHost.StartAsync();
        var functions = ActivatorUtilities.CreateInstance<ScoringFunctions>(host.Services);

        var output = await functions.ScoreMessage(Request, "message-1", 1, CancellationToken.None);

        Assert.Null(output.SetAside);
        var result = JsonDocument.Parse(output.Result!).RootElement;
        Assert.Equal(("r-1", "2"), (result.GetProperty("id").GetString(), result.GetProperty("version").GetString()));
        Assert.Equal("setosa", result.GetProperty("predictions")[0].GetProperty("label").GetString());
    }

    [Fact]
    public async Task ScoreMessage_RequestThatCanNeverBeScored_IsSetAsideWholeWithTheReason()
    {
        await using var host = await ParityHost.StartAsync();
        var functions = ActivatorUtilities.CreateInstance<ScoringFunctions>(host.Services);
        var request = Request.Replace("\"iris\"", "\"wine\"", StringComparison.Ordinal);

        var output = await functions.ScoreMessage(request, "message-2", 1, CancellationToken.None);

        Assert.Null(output.Result);
        var setAside = JsonDocument.Parse(output.SetAside!).RootElement;
        Assert.Contains("wine", setAside.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal((request, "message-2", "scoring-requests"), (setAside.GetProperty("message").GetString(), setAside.GetProperty("messageId").GetString(), setAside.GetProperty("sourceQueue").GetString()));
    }

    [Fact]
    public void ScoreMessage_WritesResultsAndSetAsideMessagesToTheQueuesInfraCreates()
    {
        var function = FunctionCatalog.App.Single(f => f.Name == nameof(ScoringFunctions.ScoreMessage));

        var outputs = function.Bindings.Where(b => b.Kind == "QueueOutput").ToDictionary(b => b.ParameterName!, b => b.Text("QueueName"));

        Assert.Equal(new Dictionary<string, string?> { ["Result"] = "scoring-results", ["SetAside"] = "scoring-requests-poison" }, outputs);
        Assert.Equal("scoring-requests", function.Trigger!.Text("QueueName"));
    }

    [Fact]
    public async Task ScoreIncomingBlob_ScoresTheBlobNamedByTheTriggerIntoScored()
    {
        await using var host = await ParityHost.StartAsync();
        var store = host.Services.GetRequiredService<IObjectStore>();
        const string csv = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n";
        await store.WriteAsync("incoming/iris/daily/batch.csv", Encoding.UTF8.GetBytes(csv), WriteCondition.None);
        var functions = ActivatorUtilities.CreateInstance<ScoringFunctions>(host.Services);

        await functions.ScoreIncomingBlob(new TriggeringBlob("incoming", "iris/daily/batch.csv"), CancellationToken.None);

        var scored = await store.ReadAsync("scored/iris/daily/batch.csv");
        Assert.NotNull(scored);
        Assert.Equal(3, Encoding.UTF8.GetString(scored.Content.Span).Split("\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Null(await store.ReadAsync("incoming/iris/daily/batch.csv"));
    }

    /// <summary>The client the blob trigger binds: only its container and name are read.</summary>
    private sealed class TriggeringBlob(string container, string name) : BlobClient
    {
        public override string BlobContainerName => container;

        public override string Name => name;
    }
}
