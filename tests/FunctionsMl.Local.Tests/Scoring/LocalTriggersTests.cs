using System.Text.Json;
using FunctionsMl.Local.Cli;

namespace FunctionsMl.Local.Tests.Scoring;

/// <summary>The local host's triggers, run in this process through the real composition (<see cref="LocalHost.Build"/>).</summary>
public sealed class LocalTriggersTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly LocalScoringTestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Host_ScoresFilesFromBeforeItsStartAndFilesDroppedWhileRunning()
    {
        await _store.WriteAsync("incoming/iris/early.csv", $"{LocalScoringTestStore.IrisHeader}\n{string.Join('\n', LocalScoringTestStore.IrisRows)}");
        await using var app = LocalHost.Build(CommandLine.Parse(["serve", "--store", _store.StorePath, "--urls", "http://127.0.0.1:0"]));
        await app.StartAsync();

        var early = JsonDocument.Parse(await _store.WaitForAsync("scored/iris/early.csv.summary.json", Timeout)).RootElement;
        await _store.WriteAsync("incoming/iris/late.jsonl", """{"sepal_length": 6.8, "sepal_width": 3.2, "petal_length": 5.9, "petal_width": 2.3}""");
        var late = JsonDocument.Parse(await _store.WaitForAsync("scored/iris/late.jsonl.summary.json", Timeout)).RootElement;

        // The inputs go just after their summaries are committed, not with them.
        await _store.WaitForGoneAsync("incoming/iris/early.csv", Timeout);
        await _store.WaitForGoneAsync("incoming/iris/late.jsonl", Timeout);
        await app.StopAsync();

        Assert.Equal(150, early.GetProperty("scored").GetInt64());
        Assert.Equal(1, late.GetProperty("scored").GetInt64());
        Assert.Contains("\"prediction\":\"virginica\"", await _store.ReadAsync("scored/iris/late.jsonl"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_ConsumesRequestsQueuedBeforeAndDuringItsRun_PublishesResultsAndPoisonsMalformedOnes()
    {
        var output = new StringWriter();
        await CommandLineApp.RunAsync(["enqueue", """{"id": "before", "model": "iris", "instances": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]}""", "--store", _store.StorePath], output, TextWriter.Null);
        await using var app = LocalHost.Build(CommandLine.Parse(["serve", "--store", _store.StorePath, "--urls", "http://127.0.0.1:0"]));
        await app.StartAsync();
        await CommandLineApp.RunAsync(["enqueue", "{\"id\": \"broken\"", "--store", _store.StorePath], output, TextWriter.Null);
        var requestId = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim();

        var result = JsonDocument.Parse(await _store.WaitForAsync($"queues/scoring-results/{requestId}.json", Timeout)).RootElement;
        var poisonId = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim();
        var poison = JsonDocument.Parse(await _store.WaitForAsync($"queues/scoring-requests-poison/{poisonId}.json", Timeout)).RootElement;
        await app.StopAsync();

        var published = JsonDocument.Parse(result.GetProperty("text").GetString()!).RootElement;
        Assert.Equal("before", published.GetProperty("id").GetString());
        Assert.Equal("setosa", published.GetProperty("predictions")[0].GetProperty("label").GetString());
        Assert.Contains("not valid JSON", poison.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Null(await _store.ReadAsync($"queues/scoring-requests/{requestId}.json"));
    }
}
